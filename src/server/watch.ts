import { statSync } from "node:fs";
import path from "node:path";
import { watch } from "chokidar";
import type { CherryConfig } from "../config/types.js";

const CODE = /\.(?:[cm]?[jt]sx?|json)$/;
const ALWAYS_IGNORED = new Set(["node_modules", ".git", "dist", ".cache"]);
/** Databases and their journals: apps write them on every request; reloading on them would loop. */
const DATABASE_FILE = /\.(?:db|sqlite3?)(?:-wal|-shm|-journal)?$/;

export interface ChangeBatch {
  config: boolean;
  code: string[];
  other: string[];
}

/**
 * Watches the app folder (chokidar 4+ has no globs: the folder is watched and paths are filtered)
 * and reports debounced batches. Session storage, databases, logs and sockets are ignored, since
 * the server writes them itself and would otherwise reload in a loop. The watcher's own errors (a
 * symbolic link loop's ELOOP, a folder it may not read) go to `onError`: they never crash the server.
 */
export function watchApp(
  config: CherryConfig,
  onChange: (batch: ChangeBatch) => void,
  onError: (error: Error) => void,
  debounceMs = 12,
) {
  const ignoredFiles = new Set<string>();
  const ignoredDirs: string[] = [];
  const { session, server } = config;
  if (session.storageFileDir) ignoredDirs.push(session.storageFileDir);
  for (const f of [session.storageFile, server.logFile, server.socketFile]) {
    if (!f) continue;
    for (const suffix of ["", "-wal", "-shm", "-journal"]) ignoredFiles.add(f + suffix);
  }
  const staticDirs = config.staticContent.map((m) => m.dir);
  const within = (file: string, dir: string) => file === dir || file.startsWith(dir + path.sep);
  const ignored = (file: string) => {
    const rel = path.relative(config.dir, file);
    if (rel.split(path.sep).some((part) => ALWAYS_IGNORED.has(part))) return true;
    return ignoredFiles.has(file) || DATABASE_FILE.test(file) || ignoredDirs.some((d) => within(file, d));
  };

  let pending: ChangeBatch = { config: false, code: [], other: [] };
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const batch = pending;
    pending = { config: false, code: [], other: [] };
    onChange(batch);
  };
  const note = (file: string) => {
    const abs = path.resolve(file);
    if (abs === config.file) pending.config = true;
    else if (CODE.test(abs) && !staticDirs.some((d) => within(abs, d))) pending.code.push(abs);
    else pending.other.push(abs);
    clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };

  // chokidar drops a second "change" of one file within 50 ms (its throttle) and sends no trailing
  // event, so a quick second save would leave stale code: look again once the throttle is over.
  const rechecks = new Map<string, NodeJS.Timeout>();
  const mtimeOf = (file: string) => {
    try {
      return statSync(file).mtimeMs;
    } catch {
      return -1;
    }
  };
  const changed = (file: string) => {
    note(file);
    const seen = mtimeOf(file);
    clearTimeout(rechecks.get(file));
    rechecks.set(
      file,
      setTimeout(() => {
        rechecks.delete(file);
        if (mtimeOf(file) !== seen) changed(file);
      }, 75),
    );
  };

  const watcher = watch([config.dir, config.file], { ignored, ignoreInitial: true, persistent: true });
  watcher.on("add", changed).on("change", changed).on("unlink", note);
  watcher.on("error", (error) => onError(error as Error));
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  return {
    ready,
    async close() {
      clearTimeout(timer);
      for (const t of rechecks.values()) clearTimeout(t);
      await watcher.close();
    },
  };
}
