/**
 * The files cherry itself uses, which no static mount may serve: RootServer.cfg (secrets), the app
 * module and a custom store module (source), the TLS key, the log (request paths, errors) and the
 * session store's files and folder (every live session id: a session takeover). A mount that
 * contains one answers 404 for it, and startup warns (src/server/static.ts). Compared as real
 * paths, so a symbolic link to one of them, or a mount reached through a link, is caught too.
 */
import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import type { CherryConfig } from "../config/types.js";
import { storeWrites } from "../sessions/stores/index.js";

export { SQLITE_COMPANIONS } from "../sessions/stores/sqlite.js";

export interface OwnFiles {
  /** Real paths of single files. */
  files: ReadonlySet<string>;
  /** Real paths of folders everything under which is cherry's (storageFileDir). */
  folders: readonly string[];
}

/** The real path of `file`, or of its folder joined with its name while it does not exist yet. */
export function realOrResolved(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    try {
      return path.join(realpathSync(path.dirname(file)), path.basename(file));
    } catch {
      return path.resolve(file);
    }
  }
}

export function ownFiles(config: CherryConfig): OwnFiles {
  const { server, session } = config;
  const files = new Set<string>();
  const add = (file: string) => {
    if (file !== "") files.add(realOrResolved(file));
  };
  add(config.file);
  add(path.resolve(config.dir, server.appModule));
  add(server.sslKeyFile);
  add(server.logFile);
  add(session.storageModule);
  // The store in use, and one left from an earlier storageType: it still holds session ids. What
  // each store writes is its descriptor's `writes` (src/sessions/stores/).
  const folders: string[] = [];
  for (const { name, paths } of storeWrites(config)) {
    const inUse = name === session.storageType;
    if (!inUse && !paths.files.some((f) => existsSync(f)) && !paths.dirs.some((d) => existsSync(d))) continue;
    for (const file of paths.files) add(file);
    folders.push(...paths.dirs.map(realOrResolved));
  }
  return { files, folders };
}

/** Whether the real path `real` is one of `own`'s files or inside one of its folders. */
export function isOwnFile(own: OwnFiles, real: string): boolean {
  return own.files.has(real) || own.folders.some((dir) => real === dir || real.startsWith(dir + path.sep));
}
