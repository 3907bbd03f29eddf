/**
 * [staticContent]: `/prefix/...` served from a folder, never outside it (no `..`, no encoded dots,
 * no backslashes or NUL bytes, no symlink leading out), sent by _file-answer.ts (Content-Type, ETag,
 * Last-Modified, RFC 9110 conditionals and ranges, HEAD). Static requests never touch sessions. A path
 * segment starting with a dot (`.env`, `.git/config`, `a/.hidden/b`, also `%2e`-encoded) is a 404, as
 * in express's serve-static and @fastify/static; `[server] staticWellKnown` lets `.well-known/`
 * (RFC 8615) through.
 */
import { promises as fs, realpathSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { StaticMount } from "../config/types.js";
import { sendFile } from "./_file-answer.js";
import { isOwnFile, type OwnFiles, realOrResolved, SQLITE_COMPANIONS } from "./_own-files.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".pdf": "application/pdf",
  ".wasm": "application/wasm",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
  ".zip": "application/zip",
};

export function contentTypeOf(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

interface Mount extends StaticMount {
  real?: string;
}

/** Undefined (synchronously, on the hot path) when no prefix matches; else the status it answered. */
export type StaticHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
) => Promise<number> | undefined;

export interface StaticOptions {
  /** Serve a first segment named `.well-known` (RFC 8615); every other dot segment stays hidden. */
  wellKnown?: boolean;
  /** Files cherry uses (src/server/_own-files.ts): a 404 even inside a mount. */
  own?: OwnFiles;
}

const NONE: OwnFiles = { files: new Set(), folders: [] };

/** Returns the status it answered with, or undefined when no prefix matched. */
export function createStaticHandler(
  mounts: readonly StaticMount[],
  options: StaticOptions = {},
): StaticHandler {
  const table: Mount[] = mounts.map((m) => ({ ...m }));
  const wellKnown = options.wellKnown === true;
  const own = options.own ?? NONE;
  return (req, res, pathname) => {
    const mount = table.find((m) => pathname === m.prefix || pathname.startsWith(`${m.prefix}/`));
    return mount ? serveFrom(mount, req, res, pathname, wellKnown, own) : undefined;
  };
}

/** Whether a decoded segment may be served: no `.`, `..` or other name starting with a dot. */
function servable(segment: string, index: number, wellKnown: boolean): boolean {
  return !segment.startsWith(".") || (wellKnown && index === 0 && segment === ".well-known");
}

/**
 * Warnings for mounts that hold a file cherry uses (src/server/_own-files.ts): the config file, the
 * app, the TLS key, the log or the session store. Those files answer 404, but a static folder
 * holding one is almost always a mistake. Compared as real paths, so a mount or file reached through
 * a symbolic link is seen too.
 */
export function staticWarnings(mounts: readonly StaticMount[], own: OwnFiles): string[] {
  const warnings: string[] = [];
  for (const mount of mounts) {
    const dir = realOrResolved(mount.dir);
    for (const file of [...own.files, ...own.folders]) {
      // One warning for a database, not one more for each of its companions.
      if (
        SQLITE_COMPANIONS.some(
          (suffix) => file.endsWith(suffix) && own.files.has(file.slice(0, -suffix.length)),
        )
      )
        continue;
      const inside = path.relative(dir, file);
      if (inside === "") {
        // A one-file mount (`[staticContent] x = RootServer.cfg`) of the file itself.
        warnings.push(
          `[static] ${mount.prefix} is ${file}, a file cherry uses: it answers 404; point [staticContent] ${mount.prefix.slice(1)} at a public file`,
        );
        continue;
      }
      if (inside.startsWith("..") || path.isAbsolute(inside)) continue;
      const parts = inside.split(path.sep);
      if (parts.some((p) => p.startsWith("."))) continue;
      warnings.push(
        `[static] ${mount.prefix}/ serves ${mount.dir}, which contains ${file}, which cherry uses: ${mount.prefix}/${parts.join("/")} answers 404, but keep it out of the folder; point [staticContent] ${mount.prefix.slice(1)} at a folder of public files only`,
      );
    }
  }
  return warnings;
}

async function serveFrom(
  mount: Mount,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  wellKnown: boolean,
  own: OwnFiles,
): Promise<number> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res
      .writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" })
      .end("405 Method Not Allowed\n");
    return 405;
  }
  const file = await locate(mount, pathname.slice(mount.prefix.length), wellKnown);
  if (!file || isOwnFile(own, file.path)) return notFound(res, pathname);
  return sendFile(req, res, { ...file, type: contentTypeOf(file.path) });
}

async function locate(mount: Mount, rest: string, wellKnown: boolean) {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const segments = decoded.split("/").filter((s) => s !== "");
  if (!segments.every((s, i) => servable(s, i, wellKnown))) return undefined;
  try {
    mount.real ??= realpathSync(mount.dir);
  } catch {
    return undefined;
  }
  // `[staticContent] style.css = style.css` maps one file: only the prefix itself serves it.
  if (segments.length === 0) {
    if (rest !== "" || !servable(path.basename(mount.real), 0, false)) return undefined;
    const stat = await fs.stat(mount.real).catch(() => undefined);
    return stat?.isFile() ? { path: mount.real, stat } : undefined;
  }
  const candidate = path.join(mount.real, ...segments);
  try {
    const real = await fs.realpath(candidate);
    if (!real.startsWith(mount.real + path.sep)) return undefined;
    // A symlink with a plain name may lead to a dotfile of the folder: judge the real path too.
    const realSegments = real.slice(mount.real.length + 1).split(path.sep);
    if (!realSegments.every((s, i) => servable(s, i, wellKnown))) return undefined;
    const stat = await fs.stat(real);
    return stat.isFile() ? { path: real, stat } : undefined;
  } catch {
    return undefined;
  }
}

function notFound(res: ServerResponse, pathname: string): number {
  res
    .writeHead(404, { "Content-Type": "text/plain; charset=utf-8" })
    .end(`The path '${pathname}' was not found.\n`);
  return 404;
}
