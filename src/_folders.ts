import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";

/**
 * `mkdir -p`: makes `dir` and every missing folder above it, each with `mode` (default 0777 less the
 * umask), and throws the OS error (ENOENT, EACCES, EROFS, ENOTDIR, …) of the first one that cannot
 * be made. Not `fs.mkdirSync(dir, { recursive: true })`: on Node 20 to 24 that call retries forever
 * when a folder's parent exists but refuses it with ENOENT (any folder under /proc on Linux), which
 * made `storageFileDir = /proc/sessions` spin at 100% CPU instead of failing.
 */
export function makeFolders(dir: string, mode?: number): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !existsSync(at); at = path.dirname(at)) {
    missing.push(at);
    if (path.dirname(at) === at) break;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder, { mode });
    } catch (error) {
      // Made by someone else meanwhile (or a dangling link, whose child then fails with its own error).
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}
