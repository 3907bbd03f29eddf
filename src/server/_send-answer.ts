/**
 * Sending the answers that are not plain bytes: a streamed body (_stream-answer.ts) and a file a
 * handler returned (_file-answer.ts, as the static handler sends files).
 */
import { promises as fs } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { Payload } from "./_answer.js";
import type { FileToSend } from "./_file-answer.js";
import { findHeader, type OutgoingHeaders, setHeader } from "./_headers.js";
import { type OpenStream, pumpStream, releaseSource, releaseStream } from "./_stream-answer.js";
import type { FileBody } from "./response.js";
import { contentTypeOf } from "./static.js";

/**
 * The regular file `body` names, or undefined when there is none (missing, a folder, unreadable) or
 * when it has a `root` and leaves it or names a dotfile (FileOptions.root).
 */
export async function findFile(body: FileBody): Promise<FileToSend | undefined> {
  try {
    if (body.root !== undefined && !(await insideRoot(body.path, body.root))) return undefined;
    const stat = await fs.stat(body.path);
    if (!stat.isFile()) return undefined;
    return { path: body.path, stat, type: body.options.type ?? contentTypeOf(body.path) };
  } catch {
    return undefined;
  }
}

/** `file` is inside `root` with no dot segment, before and after symlinks are followed. */
async function insideRoot(file: string, root: string): Promise<boolean> {
  if (file.includes("\0") || !contained(file, root)) return false;
  const [realFile, realRoot] = await Promise.all([fs.realpath(file), fs.realpath(root)]);
  return contained(realFile, realRoot);
}

function contained(file: string, root: string): boolean {
  const inside = path.relative(root, file);
  if (inside === "" || inside.startsWith("..") || path.isAbsolute(inside)) return false;
  return !inside.split(path.sep).some((segment) => segment.startsWith("."));
}

/** Content-Disposition for `download` (RFC 6266): an ASCII fallback and the UTF-8 name (RFC 8187). */
export function dispositionOf(body: FileBody): string | undefined {
  const { download } = body.options;
  if (download === undefined || download === false) return undefined;
  const name = download === true ? path.basename(body.path) : download;
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Sends the head, then the stream (`opened`: its first chunk already read; undefined for HEAD, whose
 * source is cancelled unread). Resolves once the body is sent, failed or abandoned by the client.
 */
export async function sendStream(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: OutgoingHeaders,
  payload: Extract<Payload, { kind: "stream" }>,
  opened: OpenStream | undefined,
  onError: (error: unknown) => void,
): Promise<void> {
  const out: OutgoingHeaders = { "X-Content-Type-Options": "nosniff" };
  if (payload.type && !findHeader(headers, "content-type")) out["Content-Type"] = payload.type;
  if (payload.length !== undefined && !findHeader(headers, "content-length"))
    out["Content-Length"] = payload.length;
  for (const name in headers) setHeader(out, name, headers[name]);
  try {
    res.writeHead(status, out);
  } catch (error) {
    if (opened) await releaseStream(opened);
    else await releaseSource(payload.source);
    throw error;
  }
  if (req.method === "HEAD" || opened === undefined) {
    res.end();
    await releaseSource(payload.source);
    return;
  }
  await pumpStream(res, opened, onError);
}
