/**
 * SQLite through better-sqlite3 (synchronous, so no request interleaves inside one call): WAL so
 * readers never wait for the writer, a busy timeout so several cherry processes can share the file,
 * the expiry indexed so a sweep is one DELETE. The database and its -wal and -shm files are 0600.
 */
import type Database from "better-sqlite3";
import { CherryError } from "../../errors.js";
import { lockToken } from "../ids.js";
import type { PurgeOptions, PurgeResult, SessionListing, SessionStore, StoredSession } from "../store.js";
import { requireDriver, storeDescriptor } from "./_descriptor.js";
import { preparePrivateFile, privacyProblem } from "./_private.js";

/** The files SQLite keeps beside a database (its write-ahead log, shared memory, rollback journal). */
export const SQLITE_COMPANIONS = ["-wal", "-shm", "-journal"];

/**
 * Rows whose id has the shape of a session id (40 lowercase hex): listing, counting and purging
 * touch those only, so whatever else someone keeps in the table is never listed or removed.
 */
const IS_SESSION = `length(id) = 40 AND id GLOB '${"[0-9a-f]".repeat(40)}'`;

export class SqliteStore implements SessionStore {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(readonly file: string) {
    const Driver = requireDriver<typeof Database>("sqlite", DRIVER);
    try {
      // Created 0600 whatever the umask (the -wal and -shm files take its mode); refused when
      // another user could read or plant it (_private.ts).
      preparePrivateFile(file, "sqlite");
      this.db = new Driver(file);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("busy_timeout = 5000");
      this.db.pragma("synchronous = NORMAL");
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS cherry_sessions (
          id TEXT PRIMARY KEY,
          data TEXT NOT NULL,
          expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS cherry_sessions_expires_at ON cherry_sessions (expires_at);
        CREATE TABLE IF NOT EXISTS cherry_session_locks (id TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      `);
    } catch (error) {
      if (error instanceof CherryError) throw error;
      throw new CherryError(
        "E_STORE_UNAVAILABLE",
        `[store:sqlite] cannot open ${file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const db = this.db;
    this.statements = {
      get: db.prepare<[string], { data: string; expires_at: number }>(
        "SELECT data, expires_at FROM cherry_sessions WHERE id = ?",
      ),
      set: db.prepare(
        "INSERT INTO cherry_sessions (id, data, expires_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
      ),
      update: db.prepare("UPDATE cherry_sessions SET data = ?, expires_at = ? WHERE id = ?"),
      destroy: db.prepare("DELETE FROM cherry_sessions WHERE id = ?"),
      touch: db.prepare("UPDATE cherry_sessions SET expires_at = ? WHERE id = ?"),
      list: db.prepare<[], { id: string; expires_at: number; bytes: number }>(
        `SELECT id, expires_at, length(CAST(data AS BLOB)) AS bytes FROM cherry_sessions WHERE ${IS_SESSION}`,
      ),
      countAll: db.prepare<[], { n: number }>(
        `SELECT count(*) AS n FROM cherry_sessions WHERE ${IS_SESSION}`,
      ),
      countDoomed: db.prepare<[{ now: number }], { n: number; bad: number }>(
        `SELECT count(*) AS n, coalesce(sum(expires_at > @now AND NOT json_valid(data)), 0) AS bad FROM cherry_sessions WHERE (expires_at <= @now OR NOT json_valid(data)) AND ${IS_SESSION}`,
      ),
      purge: db.prepare(
        `DELETE FROM cherry_sessions WHERE (expires_at <= ? OR NOT json_valid(data)) AND ${IS_SESSION}`,
      ),
      purgeAll: db.prepare(`DELETE FROM cherry_sessions WHERE ${IS_SESSION}`),
      lock: db.prepare(
        "INSERT INTO cherry_session_locks (id, token, expires_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at WHERE cherry_session_locks.expires_at < ?",
      ),
      unlock: db.prepare("DELETE FROM cherry_session_locks WHERE id = ? AND token = ?"),
    };
  }

  get(id: string): StoredSession | undefined {
    const row = this.statements.get.get(id);
    if (!row) return undefined;
    try {
      const data = JSON.parse(row.data);
      return typeof data === "object" && data !== null
        ? { data, expiresAt: row.expires_at, json: row.data }
        : undefined;
    } catch {
      return undefined;
    }
  }

  set(id: string, session: StoredSession): void {
    this.statements.set.run(id, session.json ?? JSON.stringify(session.data), Math.round(session.expiresAt));
  }

  update(id: string, session: StoredSession): boolean {
    const json = session.json ?? JSON.stringify(session.data);
    return this.statements.update.run(json, Math.round(session.expiresAt), id).changes > 0;
  }

  destroy(id: string): void {
    this.statements.destroy.run(id);
  }

  touch(id: string, expiresAt: number): void {
    this.statements.touch.run(Math.round(expiresAt), id);
  }

  async *list(): AsyncIterable<SessionListing> {
    for (const row of this.statements.list.iterate())
      yield { id: row.id, expiresAt: row.expires_at, bytes: row.bytes };
  }

  purge({ now, all, dryRun }: PurgeOptions): PurgeResult {
    const total = this.statements.countAll.get()?.n ?? 0;
    if (all) {
      if (!dryRun) this.statements.purgeAll.run();
      return { removed: total, kept: 0, unreadable: 0 };
    }
    const doomed = this.statements.countDoomed.get({ now: Math.round(now) });
    const removed = dryRun ? (doomed?.n ?? 0) : this.statements.purge.run(Math.round(now)).changes;
    return { removed, kept: total - removed, unreadable: doomed?.bad ?? 0 };
  }

  tryLock(id: string, ttlMs: number): (() => void) | undefined {
    const token = lockToken();
    const now = Date.now();
    if (this.statements.lock.run(id, token, now + ttlMs, now).changes === 0) return undefined;
    return () => {
      if (this.db.open) this.statements.unlock.run(id, token);
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

const DRIVER = "better-sqlite3";

export const descriptor = storeDescriptor({
  name: "sqlite",
  keys: ["session.storageFile"],
  driver: DRIVER,
  sharing: "processes",
  validate({ session }, { report, failed }) {
    // Opening would refuse a database other users could read or replace: said here, with the line.
    if (session.storageFile === "" || failed.has("session.storageFile")) return;
    const problem = privacyProblem("file", session.storageFile, "sqlite");
    if (problem) report("session.storageFile", problem);
  },
  open: async ({ session }) => ({ store: new SqliteStore(session.storageFile) }),
  writes: ({ session }) => ({
    files: session.storageFile
      ? ["", ...SQLITE_COMPANIONS].map((suffix) => session.storageFile + suffix)
      : [],
    dirs: [],
  }),
  init: { lines: ["storageType = sqlite", "storageFile = sessions.db"] },
  describe: ({ session }, relative) => `the sqlite store ${relative(session.storageFile)}`,
});
