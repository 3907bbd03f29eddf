/**
 * The questions about stores that the runtime (runtime.ts) and the watcher (watch.ts) ask, one
 * small function each, so that they never name a store themselves.
 */
import type { CherryConfig } from "../config/types.js";
import { SQLITE_COMPANIONS } from "./_own-files.js";

/**
 * Whether the store of `a` can serve `b` as it is: its type and the keys it was opened with are
 * unchanged. RAM sessions survive every edit that keeps `storageType = ram`.
 */
export function sameStore(a: CherryConfig, b: CherryConfig): boolean {
  const x = a.session;
  const y = b.session;
  if (x.storageType !== y.storageType) return false;
  switch (y.storageType) {
    case "file":
      return x.storageFileDir === y.storageFileDir;
    case "cookie":
      return x.secret === y.secret && x.cookieName === y.cookieName && a.server.siteKey === b.server.siteKey;
    case "sqlite":
      return x.storageFile === y.storageFile;
    case "redis":
    case "postgres":
      return x.storageUrl === y.storageUrl;
    default:
      return true;
  }
}

/** Several workers share the store, or Redis/PostgreSQL may be shared by several machines. */
export function locksAcrossProcesses(config: CherryConfig): boolean {
  const type = config.session.storageType;
  return (
    config.session.locking === "implicit" &&
    (config.server.processPool > 1 || type === "redis" || type === "postgres")
  );
}

/**
 * What the server itself writes under this config, as absolute paths: the log, the Unix socket, a
 * SQLite database with its companions, the file store's folder. A change there is never a reason to
 * reload (docs/contract.md §6), whether or not it exists yet.
 */
export function serverWrittenPaths(config: CherryConfig): { files: string[]; dirs: string[] } {
  const { server, session } = config;
  const files: string[] = [];
  for (const file of [session.storageFile, server.logFile, server.socketFile]) {
    if (file === "") continue;
    for (const suffix of ["", ...SQLITE_COMPANIONS]) files.push(file + suffix);
  }
  return { files, dirs: session.storageFileDir === "" ? [] : [session.storageFileDir] };
}
