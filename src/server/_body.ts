import type { IncomingMessage } from "node:http";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

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

function addSearchParams(target: Params, search: URLSearchParams): void {
  for (const [key, value] of search) {
    if (key === "__proto__") continue;
    const previous = target[key];
    if (previous === undefined) target[key] = value;
    else target[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
}

/** Query string plus urlencoded or JSON body fields, merged (body wins), as 0.10's keyword arguments. */
export function parseParams(search: string, body: Buffer, contentType: string | undefined): Params {
  const params: Params = Object.create(null);
  addSearchParams(params, new URLSearchParams(search));
  if (body.length === 0) return params;
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") {
    const fields: Params = Object.create(null);
    addSearchParams(fields, new URLSearchParams(body.toString("utf8")));
    Object.assign(params, fields);
  } else if (type === "application/json" || type.endsWith("+json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new HttpError(400, "malformed JSON body");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new HttpError(400, "a JSON body must be an object");
    }
    for (const [key, value] of Object.entries(parsed)) if (key !== "__proto__") params[key] = value;
  }
  return params;
}
