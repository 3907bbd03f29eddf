/**
 * Streamed bodies: a Node Readable, a web ReadableStream, an async iterable or a generator, read one
 * chunk at a time. The first chunk is read before anything is sent, so that a source failing at once
 * is still an ordinary 500 and the session is committed after the code before the first `yield` ran
 * (docs/contract.md §3 rule 5: saved before the first byte is sent). The rest is written as it comes, waiting
 * for `drain` whenever the socket is full; a client that goes away stops the source (`return()` on its
 * iterator: a Readable is destroyed, a ReadableStream cancelled, a generator's `finally` runs).
 */
import type { ServerResponse } from "node:http";

export interface OpenStream {
  iterator: AsyncIterator<unknown>;
  first: IteratorResult<unknown>;
}

/** Starts `source` and reads its first chunk; rejects as the source does. */
export async function openStream(source: AsyncIterable<unknown> | Iterable<unknown>): Promise<OpenStream> {
  const iterator = iteratorOf(source);
  return { iterator, first: await iterator.next() };
}

/** Stops a source that will not be read (HEAD, or an answer that failed before sending it). */
export async function cancelStream(source: AsyncIterable<unknown> | Iterable<unknown>): Promise<void> {
  await iteratorOf(source)
    .return?.()
    .catch(() => undefined);
}

/**
 * Writes the stream after the head; resolves to "done", "closed" (the client went away) or
 * "failed" (the source or a chunk failed midway: `onError` is told and the connection is cut, so the
 * client sees a truncated body, never a second status line).
 */
export async function pumpStream(
  res: ServerResponse,
  stream: OpenStream,
  onError: (error: unknown) => void,
): Promise<"done" | "closed" | "failed"> {
  const { iterator } = stream;
  let closed = false;
  let wake: (() => void) | undefined;
  const onClose = () => {
    closed = true;
    wake?.();
    void iterator.return?.().catch(() => undefined);
  };
  res.on("close", onClose);
  try {
    let step = stream.first;
    while (!step.done) {
      if (!res.write(chunkOf(step.value))) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          res.once("drain", resolve);
        });
        res.off("drain", wake as () => void);
      }
      if (closed) return "closed";
      step = await iterator.next();
      if (closed) return "closed";
    }
    res.end();
    return "done";
  } catch (error) {
    if (closed) return "closed";
    onError(error);
    // End the socket rather than destroy it: what was written still reaches the client, then the
    // connection closes without the last chunk, so the client knows the body is cut.
    if (res.socket) res.socket.end();
    else res.destroy();
    void iterator.return?.().catch(() => undefined);
    return "failed";
  } finally {
    res.off("close", onClose);
  }
}

function chunkOf(value: unknown): string | Uint8Array {
  if (typeof value === "string" || value instanceof Uint8Array) return value;
  const type = value === null ? "null" : typeof value === "object" ? value.constructor?.name : typeof value;
  throw new TypeError(`a streamed chunk must be a string, Buffer or Uint8Array, got ${type}`);
}

function iteratorOf(source: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterator<unknown> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  const sync = source[Symbol.iterator]();
  return {
    next: async () => sync.next(),
    return: async (value?: unknown) => sync.return?.(value) ?? { done: true, value },
  };
}
