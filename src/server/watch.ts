import { realpathSync, statSync } from "node:fs";
import path from "node:path";
import { watch } from "chokidar";

const CODE = /\.(?:[cm]?[jt]sx?|json)$/;
const ALWAYS_IGNORED = new Set(["node_modules", ".git", "dist", ".cache"]);
/** Databases and their journals: apps write them on every request; reloading on them would loop. */
const DATABASE_FILE = /\.(?:db|sqlite3?)(?:-wal|-shm|-journal)?$/;

export interface ChangeBatch {
  config: boolean;
  code: string[];
  other: string[];
}

/** What one runtime watches (runtime.ts makes it from its config and its bundle). Absolute paths. */
export interface WatchSet {
  configFile: string;
  /** The config's folder: every file in it counts, except what `written` and ALWAYS_IGNORED name. */
  dir: string;
  /** Every input of the current bundles (esbuild's metafile), inside `dir` or anywhere else. */
  inputs: readonly string[];
  /** Static folders (or files): a change reloads open pages, never rebuilds. */
  staticDirs: readonly string[];
  /** What the server itself writes (_store-facts.ts serverWrittenPaths): never a change. */
  written: { files: readonly string[]; dirs: readonly string[] };
}

export interface Watcher {
  ready: Promise<void>;
  /** Watches what `set` names from now on (and stops watching what it no longer names). */
  follow(set: WatchSet): void;
  /**
   * Ignores `written` from now on too: what a runtime being built will write (its log file, its
   * store's files) may appear before it is swapped in and followed.
   */
  ignoreAlso(written: WatchSet["written"]): void;
  close(): Promise<void>;
}

const within = (file: string, dir: string) => file === dir || file.startsWith(dir + path.sep);

/**
 * The written paths as configured and as the file system resolves them: chokidar reports a file
 * reached through a symbolic link (logFile = logs/access.log with logs -> var) by its real path, which
 * must be ignored too, or each log line would reload open pages in a loop.
 */
function withRealPaths(paths: WatchSet["written"]): { files: Set<string>; dirs: string[] } {
  return {
    files: new Set(paths.files.flatMap((f) => [f, realOf(f)])),
    dirs: [...new Set(paths.dirs.flatMap((d) => [d, realOf(d)]))],
  };
}

/** `p` with its nearest existing ancestor's symbolic links resolved (the rest may not exist yet). */
function realOf(p: string): string {
  const rest: string[] = [];
  for (let at = p; ; at = path.dirname(at)) {
    try {
      return path.join(realpathSync(at), ...rest.reverse());
    } catch {
      if (path.dirname(at) === at) return p;
      rest.push(path.basename(at));
    }
  }
}

/**
 * Watches what the current runtime names (chokidar 4+ has no globs: folders are watched and paths are
 * filtered) and reports debounced batches. What the server writes is ignored whenever it appears, by
 * the set in force when the event comes, since reloading on it would loop. The watcher's own errors
 * (a symbolic link loop's ELOOP, a folder it may not read) go to `onError`: they never crash the server.
 */
export function createWatcher(
  first: WatchSet,
  onChange: (batch: ChangeBatch) => void,
  onError: (error: Error) => void,
  debounceMs = 12,
): Watcher {
  let set = first;
  let inputs = new Set(set.inputs);
  let written = withRealPaths(set.written);
  const ignored = (file: string) => {
    const abs = path.resolve(file);
    if (within(abs, set.dir)) {
      const rel = path.relative(set.dir, abs);
      if (rel.split(path.sep).some((part) => ALWAYS_IGNORED.has(part))) return true;
    }
    return written.files.has(abs) || DATABASE_FILE.test(abs) || written.dirs.some((d) => within(abs, d));
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
    // A folder watched before it became the server's (a file store switched to by an edit).
    if (ignored(abs)) return;
    if (abs === set.configFile) pending.config = true;
    else if (inputs.has(abs)) pending.code.push(abs);
    else if (CODE.test(abs) && within(abs, set.dir) && !set.staticDirs.some((d) => within(abs, d)))
      pending.code.push(abs);
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

  /** The config's folder and file, the static folders and the inputs outside the folder. */
  const targets = (s: WatchSet) =>
    new Set([s.dir, s.configFile, ...[...s.staticDirs, ...s.inputs].filter((p) => !within(p, s.dir))]);
  let watched = targets(set);
  const watcher = watch([...watched], { ignored, ignoreInitial: true, persistent: true });
  watcher.on("add", changed).on("change", changed).on("unlink", note);
  watcher.on("error", (error) => onError(error as Error));
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  return {
    ready,
    ignoreAlso(more) {
      const extra = withRealPaths(more);
      written = {
        files: new Set([...written.files, ...extra.files]),
        dirs: [...new Set([...written.dirs, ...extra.dirs])],
      };
    },
    follow(next) {
      set = next;
      inputs = new Set(next.inputs);
      written = withRealPaths(next.written);
      const wanted = targets(next);
      const added = [...wanted].filter((p) => !watched.has(p));
      const dropped = [...watched].filter((p) => !wanted.has(p));
      watched = wanted;
      if (added.length > 0) watcher.add(added);
      if (dropped.length > 0) watcher.unwatch(dropped);
    },
    async close() {
      clearTimeout(timer);
      for (const t of rechecks.values()) clearTimeout(t);
      await watcher.close();
    },
  };
}
