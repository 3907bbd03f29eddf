/**
 * The last line of defence for "No secret is ever printed" (SECURITY.md): once a config is loaded,
 * every write to the process's stdout and stderr passes through `scrub()` with the fragments of every
 * secret the config holds (any section, any spelling, env or flag; URL passwords). Whatever path a
 * message takes (config show, a store's error, a build error, a stack), a secret cannot reach the
 * terminal, even when a rule that should have kept it out is missing.
 *
 * Limit: a fragment split across two separate write() calls is not found; every writer in cherry
 * writes whole lines.
 */
import { scrub } from "./redact.js";

const registered = new Set<string>();
let sorted: string[] = [];
let installed = false;

/** Adds `fragments` (from `secretFragments()`) to the set hidden from stdout and stderr. */
export function guardOutput(fragments: readonly string[]): void {
  for (const f of fragments) registered.add(f);
  sorted = [...registered].sort((a, b) => b.length - a.length);
  if (installed || sorted.length === 0) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text =
        typeof chunk === "string"
          ? chunk
          : chunk instanceof Uint8Array
            ? Buffer.from(chunk).toString("utf8")
            : chunk;
      return write(typeof text === "string" ? scrubOutput(text) : chunk, ...rest);
    }) as typeof stream.write;
  }
}

/** `text` with every registered secret fragment replaced by its length. */
export function scrubOutput(text: string): string {
  return sorted.length === 0 ? text : scrub(text, sorted);
}
