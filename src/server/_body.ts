import type { IncomingMessage } from "node:http";
import { HttpError } from "./_http-error.js";
import { parseJsonBody } from "./_json.js";
import { parseUrlencoded } from "./_urlencoded.js";

export { HttpError } from "./_http-error.js";

/** Fields of the query string, and of a urlencoded body, each (Node's querystring and body-parser use 1000). */
export const MAX_FIELDS = 1000;

/** Reads the whole request body, refusing more than `limit` bytes with a 413. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new HttpError(413, `request body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export type Params = Record<string, string | string[] | unknown>;

/** Adds a field; a repeated name becomes an array, grown in place (a copy per repeat was quadratic). */
function adder(target: Params): (name: string, value: string) => void {
  return (name, value) => {
    if (name === "__proto__") return;
    const previous = target[name];
    if (previous === undefined) target[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else target[name] = [previous, value];
  };
}

/**
 * Query string plus urlencoded or JSON body fields, merged (body wins), as 0.10's keyword arguments.
 * Linear in the input's size; over MAX_FIELDS fields, or a JSON body over its depth or key limits
 * (src/server/_json.ts): HttpError 413. The query string is ASCII: Node refuses other bytes in a request line.
 */
export function parseParams(search: string, body: Buffer, contentType: string | undefined): Params {
  const params: Params = Object.create(null);
  if (search !== "")
    parseUrlencoded(Buffer.from(search, "latin1"), MAX_FIELDS, "query string", adder(params));
  if (body.length === 0) return params;
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
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
