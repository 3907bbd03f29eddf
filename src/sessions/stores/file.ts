/**
 * One UTF-8 JSON file a session: `<dir>/session-<id>.json`, mode 0600 in a 0700 folder (an existing
 * folder other users can read or write, or that another user owns, is refused: see _private.ts). The file's
 * mtime is the session's expiry, so a touch is one utimes() call and listing or purging needs a
 * stat, not a read. Writes go to a temp file in the same folder and are renamed over the old one,
 * so a reader (or a crash) never sees half a file.
 *
 * Longer than most files: the store and, at its end, its descriptor (what config check, reloads,
 * `cherry init` and `cherry sessions` know of it: ./_descriptor.ts) stay together.
 */

import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  promises as fs,
  fstatSync,
  lstatSync,
  opendirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  utimesSync,
} from "node:fs";
import path from "node:path";
import { makeFolders } from "../../_folders.js";
import { CherryError } from "../../errors.js";
import { isSessionId, lockToken } from "../ids.js";
import type { PurgeOptions, PurgeResult, SessionListing, SessionStore, StoredSession } from "../store.js";
import { storeDescriptor } from "./_descriptor.js";
import { checkPrivateFolder, privacyProblem } from "./_private.js";
import { Unlinker } from "./_unlinker.js";

const PREFIX = "session-";
const SUFFIX = ".json";

export function sessionFileName(id: string): string {
  return `${PREFIX}${id}${SUFFIX}`;
}

/** The id in a file name that looks like a session file, else undefined (foreign files are left alone). */
export function idFromFileName(name: string): string | undefined {
  if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) return undefined;
  const id = name.slice(PREFIX.length, -SUFFIX.length);
  return isSessionId(id) ? id : undefined;
}

export class FileStore implements SessionStore {
  /** Files in the folder that are not named like sessions, seen by the last scan: never touched. */
  foreign: string[] = [];
  /** Per session, the update renames in flight: destroy() waits for them. */
  private readonly renaming = new Map<string, Promise<unknown>>();

  constructor(readonly dir: string) {
    try {
      makeFolders(dir, 0o700);
    } catch (error) {
      throw unavailable(`cannot create storageFileDir ${dir}`, error);
    }
    // A folder that already existed keeps its mode and owner: refused unless private (_private.ts).
    checkPrivateFolder(dir, "file");
  }

  pathOf(id: string): string {
    return path.join(this.dir, sessionFileName(id));
  }

  // Reads and touches are synchronous: a session file is a few hundred bytes, usually in the page
  // cache, and a sync call costs microseconds where the async API costs thread-pool round trips.
  // Writes stay async: creating and renaming files takes the disk ~0.5 ms, and several run at once
  // on libuv's threads (measured: sync writes served 1,330 new visitors/s, async ones 2,175).
  async get(id: string): Promise<StoredSession | undefined> {
    const file = this.pathOf(id);
    let record: { text: string; mtimeMs: number } | undefined;
    try {
      record = withSessionFile(file, (fd) => ({
        text: readFileSync(fd, "utf8"),
        mtimeMs: fstatSync(fd).mtimeMs,
      }));
    } catch (error) {
      throw unavailable(`cannot read ${file}`, error);
    }
    const data = record && parseData(record.text);
    return record && data ? { data, expiresAt: record.mtimeMs, json: record.text } : undefined;
  }

  async set(id: string, session: StoredSession): Promise<void> {
    await this.write(this.pathOf(id), session.json ?? JSON.stringify(session.data), session.expiresAt);
  }

  /**
   * Replaces the file only if it is still there: the rename is issued right after a synchronous
   * check, and a destroy() of the same session waits for renames in flight, so no request of this
   * process can remove the file in between and see it come back (another process could, in the
   * span of one rename).
   */
  async update(id: string, session: StoredSession): Promise<boolean> {
    const text = session.json ?? JSON.stringify(session.data);
    return this.write(this.pathOf(id), text, session.expiresAt, true);
  }

  /**
   * Writes text atomically (temp file in the same folder, then rename) with its expiry as mtime.
   * `onlyOver`: only over an existing file; resolves false, writing nothing, when there is none.
   */
  async write(file: string, text: string, expiresAt: number, onlyOver = false): Promise<boolean> {
    const temp = path.join(this.dir, `.tmp-${randomBytes(6).toString("hex")}`);
    try {
      const handle = await fs.open(temp, "wx", 0o600);
      try {
        await handle.writeFile(text, "utf8");
        const when = expiresAt / 1000;
        await handle.utimes(when, when);
      } finally {
        await handle.close();
      }
      if (!onlyOver) await fs.rename(temp, file);
      else if (lstatSync(file, { throwIfNoEntry: false })?.isFile()) await this.renameOver(temp, file);
      else {
        rmSync(temp, { force: true });
        return false;
      }
      return true;
    } catch (error) {
      rmSync(temp, { force: true });
      throw unavailable(`cannot write ${file}`, error);
    }
  }

  /** A rename that destroy() of the same file waits for (issued at once, in the caller's turn). */
  private async renameOver(temp: string, file: string): Promise<void> {
    const renamed = fs.rename(temp, file);
    const before = this.renaming.get(file);
    const all = before ? Promise.allSettled([before, renamed]) : renamed.catch(() => undefined);
    this.renaming.set(file, all);
    try {
      await renamed;
    } finally {
      if (this.renaming.get(file) === all) this.renaming.delete(file);
    }
  }

  async destroy(id: string): Promise<void> {
    const file = this.pathOf(id);
    const inFlight = this.renaming.get(file);
    if (inFlight) await inFlight;
    rmSync(file, { force: true });
  }

  async touch(id: string, expiresAt: number): Promise<void> {
    const when = expiresAt / 1000;
    try {
      utimesSync(this.pathOf(id), when, when);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT")
        throw unavailable(`cannot touch ${this.pathOf(id)}`, error);
    }
  }

  /**
   * A lock file `.lock-<id>` created exclusively, its mtime set to when it expires (as sessions
   * do); one past that belongs to a holder that crashed and is taken over. Released by removing
   * it, only if it is still ours.
   */
  async tryLock(id: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const file = path.join(this.dir, `.lock-${id}`);
    const token = lockToken();
    // The lock appears with its expiry already set (written aside, then hard-linked into place), so
    // no other process can see it half-made and mistake it for a stale one.
    const temp = path.join(this.dir, `.tmp-${token}`);
    try {
      await fs.writeFile(temp, token, { mode: 0o600 });
      const until = (Date.now() + ttlMs) / 1000;
      await fs.utimes(temp, until, until);
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await fs.link(temp, file);
          return async () => {
            const holder = await fs.readFile(file, "utf8").catch(() => "");
            if (holder === token) await fs.rm(file, { force: true });
          };
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
          const stat = await fs.stat(file).catch(() => undefined);
          // Gone since (released): just try again. Never remove a lock not seen stale: it may be
          // a fresh one another process made meanwhile.
          if (!stat) continue;
          if (stat.mtimeMs > Date.now()) return undefined;
          await fs.rm(file, { force: true });
        }
      }
      return undefined;
    } catch (error) {
      throw unavailable(`cannot lock ${file}`, error);
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /**
   * Streams the folder. File system calls are made synchronously in batches, yielding to the event
   * loop between batches: one async call per file costs a thread-pool round trip each, which made a
   * 100,000-file scan ten times slower, while a batch blocks the loop for a few milliseconds only.
   */
  async *list(): AsyncIterable<SessionListing> {
    for await (const batch of this.batches()) yield* batch;
  }

  private async *batches(): AsyncGenerator<ScannedSession[]> {
    const folder = opendirSync(this.dir, { bufferSize: 1024 });
    const dir = this.dir + path.sep;
    this.foreign = [];
    try {
      for (;;) {
        const batch: ScannedSession[] = [];
        let entry = folder.readSync();
        for (; entry; entry = batch.length < BATCH ? folder.readSync() : null) {
          const id = idFromFileName(entry.name);
          if (!id) {
            if (!entry.name.startsWith(".tmp-") && !entry.name.startsWith(".lock-"))
              this.foreign.push(entry.name);
            continue;
          }
          const file = dir + entry.name;
          const stat = lstatSync(file, { throwIfNoEntry: false });
          if (stat?.isFile()) batch.push({ id, file, expiresAt: stat.mtimeMs, bytes: stat.size });
        }
        if (batch.length > 0) yield batch;
        if (batch.length < BATCH) return;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      folder.closeSync();
    }
  }

  /**
   * Removes expired sessions and live ones that cannot be read. A file is removed only if a fresh
   * stat, just before its unlink, still shows the expiry it was judged by, so a request that renewed
   * it meanwhile wins (and is counted as kept). The scan stays synchronous (cheap per file); large
   * folders have their unlinks done on a worker thread meanwhile (see _unlinker.ts).
   */
  async purge({ now, all, dryRun, onProgress }: PurgeOptions): Promise<PurgeResult> {
    const result: PurgeResult = { removed: 0, kept: 0, unreadable: 0 };
    const unlinker = new Unlinker();
    const reader = new SmallFileReader();
    let judged = 0;
    try {
      for await (const batch of this.batches()) {
        onProgress?.(judged);
        for (const { file, expiresAt } of batch) {
          judged++;
          let remove = all || expiresAt <= now;
          if (!remove && !reader.holdsSession(file)) {
            remove = true;
            result.unreadable++;
          }
          if (!remove) result.kept++;
          else if (dryRun) result.removed++;
          else unlinker.add(file, all ? undefined : expiresAt);
        }
      }
    } finally {
      const done = await unlinker.finish().catch((error: NodeJS.ErrnoException) => {
        throw unavailable(`cannot remove ${error.path ?? "a session file"}`, error);
      });
      result.removed += done.removed;
      result.kept += done.renewed;
    }
    onProgress?.(judged);
    return result;
  }
}

interface ScannedSession extends SessionListing {
  file: string;
}

/**
 * Tells whether a file holds a session, reading it into one buffer reused for every file: open,
 * one read and close, where readFileSync adds a stat and a second read per file. A file that fills
 * the buffer is read whole the usual way.
 */
class SmallFileReader {
  private readonly buffer = Buffer.allocUnsafe(16 * 1024);

  holdsSession(file: string): boolean {
    try {
      const text = withSessionFile(file, (fd) => {
        const bytes = readSync(fd, this.buffer, 0, this.buffer.length, 0);
        return bytes < this.buffer.length ? this.buffer.toString("utf8", 0, bytes) : readFileSync(fd, "utf8");
      });
      return text !== undefined && parseData(text) !== undefined;
    } catch {
      return false;
    }
  }
}

const BATCH = 512;

/**
 * Reads a session file through one descriptor that never follows a symlink; undefined when there
 * is no such file (or a symlink stands in its place). Other failures throw.
 */
function withSessionFile<T>(file: string, read: (fd: number) => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ELOOP") return undefined;
    throw error;
  }
  try {
    return read(fd);
  } finally {
    closeSync(fd);
  }
}

function parseData(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function unavailable(message: string, cause: unknown): CherryError {
  const code = (cause as NodeJS.ErrnoException)?.code;
  return new CherryError("E_STORE_UNAVAILABLE", `[store:file] ${message}${code ? ` (${code})` : ""}`, {
    cause,
  });
}

/** CherryPy 0.10's file store: `storageFileDir` is required with it and an error with any other. */
export const descriptor = storeDescriptor({
  name: "file",
  keys: ["session.storageFileDir"],
  exclusiveKeys: ["session.storageFileDir"],
  sharing: "processes",
  validate({ session }, { report, failed }) {
    if (failed.has("session.storageFileDir")) return;
    if (session.storageFileDir === "") {
      report(
        "session.storageType",
        'the file store needs a folder (expected storageFileDir = <folder>, got "")',
      );
      return;
    }
    // Opening would refuse a folder other users could read or replace: said here, with the line.
    const problem = privacyProblem("folder", session.storageFileDir, "file");
    if (problem) report("session.storageFileDir", problem);
  },
  open: async ({ session }) => ({ store: new FileStore(session.storageFileDir) }),
  writes: ({ session }) => ({ files: [], dirs: session.storageFileDir ? [session.storageFileDir] : [] }),
  init: { lines: ["storageType = file", "storageFileDir = sessions"] },
  describe: ({ session }, relative) => `the file store in ${relative(session.storageFileDir)}${path.sep}`,
  admin: {
    pathOf: (store: FileStore, id) => store.pathOf(id),
    scanSize(store: FileStore) {
      try {
        return readdirSync(store.dir).length;
      } catch {
        return undefined;
      }
    },
    leftAlone(store: FileStore) {
      if (store.foreign.length === 0) return undefined;
      const names = store.foreign.slice(0, 3).join(", ") + (store.foreign.length > 3 ? ", …" : "");
      return `left alone ${store.foreign.length} file(s) in ${store.dir} not named like sessions: ${names}`;
    },
  },
});
