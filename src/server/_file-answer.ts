/**
 * Sends one file the way the static handler and a handler's `response.file()` both do: Content-Type,
 * Content-Length, a strong ETag, Last-Modified, 304 and 412 from the preconditions, single byte
 * ranges (206/416) and HEAD, per RFC 9110 (the rules are in _conditional.ts).
 */
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { evaluatePreconditions, evaluateRange, validatorsOf } from "./_conditional.js";
import { FRAMING_HEADERS, setHeader } from "./_headers.js";

export interface FileToSend {
  path: string;
  stat: { size: number; mtimeMs: number; mtime: Date };
  /** The Content-Type to send. */
  type: string;
}

type Headers = Record<string, string | number | string[]>;

/**
 * Answers `req` with `file` (headers in `extra` are added to every answer, a Content-Type or
 * Cache-Control among them replacing cherry's, in any case; ETag, Last-Modified and the framing stay
 * cherry's). `status` other than 200 (a handler's `response.status = 404` with an error page) sends
 * the whole file with that status, without conditionals or ranges. Resolves to the status sent.
 */
export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: FileToSend,
  extra: Headers = {},
  status = 200,
): Promise<number> {
  const method = req.method ?? "GET";
  const { size } = file.stat;
  const validators = validatorsOf(file.stat);
  const common: Headers = { "Cache-Control": "no-cache" };
  for (const name in extra)
    if (!FRAMING_HEADERS.has(name.toLowerCase())) setHeader(common, name, extra[name]);
  setHeader(common, "ETag", validators.etag);
  setHeader(common, "Last-Modified", file.stat.mtime.toUTCString());
  const plain = status === 200;
  const precondition = plain ? evaluatePreconditions(method, req.headers, validators) : "proceed";
  if (precondition !== "proceed") {
    if (precondition === 412) common["Content-Length"] = 0;
    res.writeHead(precondition, common).end();
    return precondition;
  }
  const range = plain ? evaluateRange(method, req.headers, size, validators) : { kind: "full" as const };
  if (range.kind === "unsatisfiable") {
    res.writeHead(416, { ...common, "Content-Range": `bytes */${size}`, "Content-Length": 0 }).end();
    return 416;
  }
  const headers: Headers = {
    "Content-Type": file.type,
    "X-Content-Type-Options": "nosniff",
    "Accept-Ranges": "bytes",
  };
  for (const name in common) setHeader(headers, name, common[name]);
  let [start, end] = [0, size - 1];
  if (range.kind === "partial") {
    [start, end, status] = [range.start, range.end, 206];
    headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
  }
  headers["Content-Length"] = size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (method === "HEAD" || size === 0) {
    res.end();
    return status;
  }
  // A read error or a client that went away: the response is cut short, nothing more to say.
  await pipeline(createReadStream(file.path, { start, end }), res).catch(() => res.destroy());
  return status;
}
