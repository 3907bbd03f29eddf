/**
 * The three functions of the CherryPy 0.10 HowTo (16.8), over SQLite. Unlike the HowTo's MySQL
 * example, every query is parameterised (never SQL built by string formatting), the data is JSON
 * rather than pickle, expirationTime is indexed, and cleanUpOldSessions is a single DELETE.
 */
import Database from "better-sqlite3";

// cherry's watcher ignores sessions.db and its -wal/-shm files, so writes never trigger a reload.
const db = new Database(new URL("../sessions.db", import.meta.url).pathname);
db.pragma("journal_mode = WAL");
db.exec(`
  CREATE TABLE IF NOT EXISTS session_data (
    sessionId      TEXT PRIMARY KEY,
    sessionData    TEXT NOT NULL,
    expirationTime REAL NOT NULL
  );
  CREATE INDEX IF NOT EXISTS session_data_expiration ON session_data (expirationTime);
`);

const save = db.prepare(
  `INSERT INTO session_data (sessionId, sessionData, expirationTime) VALUES (?, ?, ?)
   ON CONFLICT (sessionId) DO UPDATE SET sessionData = excluded.sessionData, expirationTime = excluded.expirationTime`,
);
const load = db.prepare("SELECT sessionData, expirationTime FROM session_data WHERE sessionId = ?");
const remove = db.prepare("DELETE FROM session_data WHERE sessionId = ?");
const cleanUp = db.prepare("DELETE FROM session_data WHERE expirationTime < ?");
const list = db.prepare("SELECT sessionId, expirationTime FROM session_data");

/** expirationTime is epoch seconds (a float), as Python's time.time() in the HowTo. */
export function saveSessionData(
  sessionId: string,
  sessionData: Record<string, unknown>,
  expirationTime: number,
): void {
  save.run(sessionId, JSON.stringify(sessionData), expirationTime);
}

export function loadSessionData(sessionId: string): [Record<string, unknown>, number] | null {
  const row = load.get(sessionId) as { sessionData: string; expirationTime: number } | undefined;
  return row ? [JSON.parse(row.sessionData), row.expirationTime] : null;
}

export function cleanUpOldSessions(): void {
  cleanUp.run(Date.now() / 1000);
}

/** Optional: lets session.regenerate() and destroy() remove the old row at once. */
export function deleteSessionData(sessionId: string): void {
  remove.run(sessionId);
}

/** Optional: lets `cherry sessions ls` list this store. */
export function listSessions(): { sessionId: string; expirationTime: number }[] {
  return list.all() as { sessionId: string; expirationTime: number }[];
}
