/**
 * A handler's return value, sorted into what cherry sends (docs/contract.md §2 and the README's "Return
 * values"): bytes, a stream of chunks, a file, or a web `Response` (its status and headers, then one of
 * those). Anything else is refused with a message naming its type, never serialized: JSON of a class
 * instance is its internals (`{}` for a Response, flags and paths for a file stream).
 */
import type { ReadStream } from "node:fs";
import { Readable } from "node:stream";
import { CherryError } from "../errors.js";
import { FileBody } from "./response.js";
import { contentTypeOf } from "./static.js";

const HTML = "text/html; charset=utf-8";
const BYTES = "application/octet-stream";

export type Payload =
  | { kind: "bytes"; body: string | Buffer; type: string | undefined }
  | {
      kind: "stream";
      source: AsyncIterable<unknown> | Iterable<unknown>;
      type: string | undefined;
      /** Bytes, when known in advance (a Blob). */
      length?: number;
    }
  | { kind: "file"; file: FileBody };

export interface Answer {
  payload: Payload;
  /** A web Response's status; otherwise `response.status` stands. */
  status?: number;
  /** A web Response's headers, each Set-Cookie its own pair. */
  headers?: Array<[string, string]>;
}

export function toAnswer(value: unknown): Answer {
  if (typeof value === "object" && value !== null && value instanceof globalThis.Response)
    return fromWebResponse(value);
  return { payload: toPayload(value) };
}

function toPayload(value: unknown): Payload {
  if (value === undefined || value === null) return { kind: "bytes", body: "", type: undefined };
  if (typeof value === "string") return { kind: "bytes", body: value, type: HTML };
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return { kind: "bytes", body: String(value), type: HTML };
  if (typeof value !== "object") throw unsendable(`a ${typeof value}`);
  if (Buffer.isBuffer(value)) return { kind: "bytes", body: value, type: BYTES };
  if (value instanceof Uint8Array)
    return {
      kind: "bytes",
      body: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      type: BYTES,
    };
  if (value instanceof FileBody) return { kind: "file", file: value };
  if (value instanceof Blob)
    return { kind: "stream", source: value.stream(), type: value.type || BYTES, length: value.size };
  if (isNodeReadable(value)) {
    if (value.destroyed || value.readableEnded)
      throw unsendable(`a ${typeName(value)} that was already read or destroyed`);
    const file = (value as Partial<ReadStream>).path;
    return { kind: "stream", source: value, type: typeof file === "string" ? contentTypeOf(file) : BYTES };
  }
  if (value instanceof ReadableStream) {
    if (value.locked) throw unsendable("a ReadableStream that is already locked (being read)");
    return { kind: "stream", source: value as AsyncIterable<unknown>, type: BYTES };
  }
  // An async generator or iterable (CherryPy 3 streams by yielding), or a sync generator: text, as a string is.
  if (Symbol.asyncIterator in value || Object.prototype.toString.call(value) === "[object Generator]")
    return { kind: "stream", source: value as AsyncIterable<unknown>, type: HTML };
  const proto = Object.getPrototypeOf(value);
  if (
    Array.isArray(value) ||
    proto === Object.prototype ||
    proto === null ||
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  )
    return { kind: "bytes", body: JSON.stringify(value), type: "application/json; charset=utf-8" };
  throw unsendable(`a ${typeName(value)} (an instance of a class)`);
}

/**
 * Headers of a web Response that describe its own connection or framing, not the answer cherry
 * sends: the hop-by-hop ones (RFC 9110 §7.6.1), Content-Length (cherry streams the body and frames
 * it itself) and Date (Node sets the time of this answer).
 */
const NOT_FORWARDED = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "date",
]);

/**
 * The content codings fetch() decodes in every Node cherry supports (undici). zstd is not among them:
 * Node 20's fetch passes it through undecoded, so its label stays.
 */
const DECODED_BY_FETCH = new Set(["gzip", "x-gzip", "deflate", "br"]);

function fromWebResponse(value: globalThis.Response): Answer {
  if (value.type === "error") throw unsendable("Response.error()");
  if (value.bodyUsed) throw unsendable("a Response whose body was already read");
  const dropped = new Set(NOT_FORWARDED);
  for (const token of (value.headers.get("connection") ?? "").split(","))
    if (token.trim()) dropped.add(token.trim().toLowerCase());
  // A Response from fetch() (its url is set) has a body already decoded: its Content-Encoding no
  // longer describes the bytes (a proxying handler would send plain bytes labelled gzip).
  const coding = value.headers.get("content-encoding");
  if (value.url !== "" && coding !== null) {
    const codings = coding.split(",").map((c) => c.trim().toLowerCase());
    if (codings.every((c) => DECODED_BY_FETCH.has(c) || c === "identity")) dropped.add("content-encoding");
  }
  const headers: Array<[string, string]> = [];
  for (const [name, v] of value.headers)
    if (name !== "set-cookie" && !dropped.has(name)) headers.push([name, v]);
  for (const cookie of value.headers.getSetCookie()) headers.push(["set-cookie", cookie]);
  const type = value.headers.get("content-type") ?? undefined;
  const payload: Payload = value.body
    ? { kind: "stream", source: value.body as AsyncIterable<unknown>, type }
    : { kind: "bytes", body: "", type };
  return { payload, status: value.status, headers };
}

function isNodeReadable(value: object): value is Readable {
  if (value instanceof Readable) return true;
  // readable-stream and other userland copies of Node's Readable.
  const v = value as Partial<Readable>;
  return typeof v.pipe === "function" && typeof v.read === "function" && typeof v.on === "function";
}

function typeName(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? name : "object";
}

/** E_UNSENDABLE: a return value cherry cannot send; the message names its type. */
function unsendable(what: string): CherryError {
  return new CherryError(
    "E_UNSENDABLE",
    `the handler returned ${what}, which cherry cannot send: return a string, Buffer, Uint8Array, ` +
      "Node Readable, ReadableStream, async iterable, Blob, web Response, response.file(…), " +
      "or a plain object or array (JSON)",
  );
}
