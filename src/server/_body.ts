import type { IncomingMessage } from "node:http";
import { CherryError, isCherryError } from "../errors.js";
import { addField } from "./_fields.js";
import { parseJsonBody } from "./_json.js";
import { parseUrlencoded } from "./_urlencoded.js";

/** Fields of the query string, and of a urlencoded body, each (Node's querystring and body-parser use 1000). */
export const MAX_FIELDS = 1000;
/**
 * Bytes of a urlencoded or JSON body that cherry parses into params (body-parser's default is
 * 100 KB): parsing is linear, but 10 MiB (maxRequestBodySize's default) of `+` or of one JSON
 * string still took 120-180 ms here, during which no other request is served. A larger body of
 * these types is a 413; other types are read up to maxRequestBodySize and left to the handler.
 */
export const MAX_PARSED_BODY = 1024 * 1024;

/**
 * Lingering after a refused body (a 413 or 400 answered before the body was read), as nginx's
 * lingering_close does: the rest is read and dropped so that a client still sending reaches the
 * answer instead of a cut connection (EPIPE, ECONNRESET: fetch, urllib), up to LINGER.bytes more
 * bytes, LINGER.idleMs without a byte or LINGER.totalMs in all; past any, the connection is closed.
 */
export const LINGER = { bytes: 64 * 1024 * 1024, idleMs: 5_000, totalMs: 30_000 };

/** Reads and drops the rest of `req`'s body within LINGER, then closes the socket if it did not end. */
export function lingerAfterRefusal(req: IncomingMessage, limits = LINGER): void {
  if (req.readableEnded || req.destroyed) return;
  let size = 0;
  const giveUp = () => {
    done();
    req.socket.destroy();
  };
  let idle = setTimeout(giveUp, limits.idleMs);
  const total = setTimeout(giveUp, limits.totalMs);
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limits.bytes) return giveUp();
    idle.refresh();
  };
  const done = () => {
    clearTimeout(idle);
    clearTimeout(total);
    req.off("data", onData);
  };
  idle = idle.unref();
  total.unref();
  req.on("data", onData);
  req.once("end", done);
  req.once("close", done);
  req.resume();
}

/** Reads the whole request body, refusing more than `limit` bytes with a 413. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new CherryError("E_REQUEST_TOO_LARGE", `request body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  // A 413 leaves `req` open: the rest of the body is dropped after the answer (lingerAfterRefusal).
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new CherryError("E_REQUEST_TOO_LARGE", `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A refusal of the request itself (E_REQUEST_MALFORMED, E_REQUEST_TOO_LARGE): answered as text, its message. */
export function isRefusal(error: unknown): error is CherryError {
  return isCherryError(error, "E_REQUEST_MALFORMED") || isCherryError(error, "E_REQUEST_TOO_LARGE");
}

export type Params = Record<string, string | string[] | unknown>;

/** Adds fields to `target` with the shared rule of src/server/_fields.ts. */
function adder(target: Params): (name: string, value: string) => void {
  return (name, value) => addField(target, name, value);
}

/**
 * Query string plus urlencoded or JSON body fields, merged (body wins), as 0.10's keyword arguments.
 * Linear in the input's size; a urlencoded or JSON body over MAX_PARSED_BODY bytes, over MAX_FIELDS
 * fields, or a JSON body over its depth, key or value limits (src/server/_json.ts):
 * E_REQUEST_TOO_LARGE (413). The query string is ASCII: Node refuses other bytes in a request line.
 */
export function parseParams(search: string, body: Buffer, contentType: string | undefined): Params {
  const params: Params = Object.create(null);
  if (search !== "")
    parseUrlencoded(Buffer.from(search, "latin1"), MAX_FIELDS, "query string", adder(params));
  if (body.length === 0) return params;
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  const parsed =
    type === "application/x-www-form-urlencoded" || type === "application/json" || type.endsWith("+json");
  if (parsed && body.length > MAX_PARSED_BODY)
    throw new CherryError(
      "E_REQUEST_TOO_LARGE",
      `a ${type} body over ${MAX_PARSED_BODY} bytes (send larger data as another type)`,
    );
  if (type === "application/x-www-form-urlencoded") {
    const fields: Params = Object.create(null);
    parseUrlencoded(body, MAX_FIELDS, "body", adder(fields));
    Object.assign(params, fields);
  } else if (type === "application/json" || type.endsWith("+json")) {
    const parsed = parseJsonBody(body);
    for (const key of Object.keys(parsed)) params[key] = parsed[key];
  }
  return params;
}
