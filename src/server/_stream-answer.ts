/**
 * Streamed bodies: a Node Readable, a web ReadableStream, an async iterable or a generator, read one
 * chunk at a time. The first chunk is read (and checked to be bytes) before anything is sent, so that a
 * source failing at once is still an ordinary 500 and the session is committed after the code before
 * the first `yield` ran (docs/contract.md §3 rule 5: saved before the first byte is sent). The rest is written
 * as it comes, waiting for `drain` whenever the socket is full. Every source cherry does not send to
 * the end is released (releaseSource): a Readable destroyed, a ReadableStream cancelled, a generator's
 * `finally` run: after HEAD, a handler error, a failed commit, or a client that went away.
 */
import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";

export type StreamSource = AsyncIterable<unknown> | Iterable<unknown>;

export interface OpenStream {
  source: StreamSource;
  iterator: AsyncIterator<unknown>;
  first: IteratorResult<unknown>;
}

/**
 * Starts `source` and reads its first chunk; rejects as the source does, or with a TypeError when
 * the first chunk is not a string or bytes (the source is then released).
 */
export async function openStream(source: StreamSource): Promise<OpenStream> {
  const iterator = iteratorOf(source);
  const opened: OpenStream = { source, iterator, first: await iterator.next() };
  try {
    if (!opened.first.done) chunkOf(opened.first.value);
  } catch (error) {
    await releaseStream(opened);
    throw error;
  }
  return opened;
}

/**
 * Stops a source that will not be read to its end. A Node Readable is destroyed (closing its file),
 * an unlocked ReadableStream cancelled, a generator returned. Calling `return()` on an iterator that
 * was never started does not destroy a Readable: the source itself is released.
 */
export async function releaseSource(source: unknown): Promise<void> {
  try {
    if (typeof source !== "object" || source === null) return;
    if (source instanceof Readable || isReadableLike(source)) {
      (source as Readable).destroy();
      return;
    }
    if (source instanceof ReadableStream) {
      if (!source.locked) await source.cancel();
      return;
    }
    if (source instanceof globalThis.Response) {
      if (source.body && !source.body.locked) await source.body.cancel();
      return;
    }
    const generator = source as { return?: (value?: unknown) => unknown; next?: unknown };
    if (typeof generator.next === "function" && typeof generator.return === "function")
      await generator.return(undefined);
  } catch {
    // Released as far as it can be: a source failing to stop has nothing more to say.
  }
}

/** Releases a stream whose iterator was started: its iterator returned and the source released. */
export async function releaseStream(stream: OpenStream): Promise<void> {
  await Promise.resolve(stream.iterator.return?.()).catch(() => undefined);
  await releaseSource(stream.source);
}

/**
 * Writes the stream after the head; resolves to "done", "closed" (the client went away, before or
 * during the body) or "failed" (the source or a chunk failed midway: `onError` is told and the
 * connection is cut, so the client sees a truncated body, never a second status line). The source
 * is released in every case but "done".
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
  };
  res.on("close", onClose);
  // The client may have gone while the first chunk was awaited: "close" has fired already.
  if (res.destroyed || res.socket === null || res.socket.destroyed) closed = true;
  try {
    let step = stream.first;
    while (!step.done && !closed) {
      if (!res.write(chunkOf(step.value))) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          res.once("drain", resolve);
        });
        res.off("drain", wake as () => void);
      }
      if (closed) break;
      step = await iterator.next();
    }
    if (closed) {
      // Not awaited: a generator waiting on something that never comes must not hold the request.
      void releaseStream(stream);
      return "closed";
    }
    res.end();
    return "done";
  } catch (error) {
    void releaseStream(stream);
    if (closed) return "closed";
    onError(error);
    // End the socket rather than destroy it: what was written still reaches the client, then the
    // connection closes without the last chunk, so the client knows the body is cut. A turn later:
    // Node 24 hands a response's first writes to the socket on the next tick (ending it now lost the
    // status line and the chunks written so far).
    const socket = res.socket;
    if (socket) setImmediate(() => socket.end());
    else res.destroy();
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

/**
 * Whether reading `source` runs the handler's own code (a generator, a custom async iterable), so
 * that the session is committed only after its first chunk; a Node Readable or a ReadableStream (a
 * web Response's body, a Blob's) does not.
 */
export function runsHandlerCode(source: object): boolean {
  return !(source instanceof Readable || source instanceof ReadableStream);
}

function isReadableLike(value: object): boolean {
  const v = value as Partial<Readable>;
  return typeof v.pipe === "function" && typeof v.read === "function" && typeof v.destroy === "function";
}

function iteratorOf(source: StreamSource): AsyncIterator<unknown> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  const sync = source[Symbol.iterator]();
  return {
    next: async () => sync.next(),
    return: async (value?: unknown) => sync.return?.(value) ?? { done: true, value },
  };
}
