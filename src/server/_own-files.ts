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

/** The files SQLite keeps beside a database (its write-ahead log, shared memory, rollback journal). */
export const SQLITE_COMPANIONS = ["-wal", "-shm", "-journal"];

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
  // The store in use, and one left from an earlier storageType: it still holds session ids.
  const { storageFile, storageFileDir } = session;
  if (storageFile !== "" && (session.storageType === "sqlite" || existsSync(storageFile)))
    for (const suffix of ["", ...SQLITE_COMPANIONS]) add(storageFile + suffix);
  const folders =
    storageFileDir !== "" && (session.storageType === "file" || existsSync(storageFileDir))
      ? [realOrResolved(storageFileDir)]
      : [];
  return { files, folders };
}

/** Whether the real path `real` is one of `own`'s files or inside one of its folders. */
export function isOwnFile(own: OwnFiles, real: string): boolean {
  return own.files.has(real) || own.folders.some((dir) => real === dir || real.startsWith(dir + path.sep));
}
