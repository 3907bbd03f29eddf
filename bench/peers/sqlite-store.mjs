// A minimal express-session store over better-sqlite3: what a user would write in an afternoon.
import Database from "better-sqlite3";

export function SqliteSessionStore(session, file) {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, sess TEXT, expire INTEGER)");
  const get = db.prepare("SELECT sess FROM sessions WHERE sid = ? AND expire > ?");
  const set = db.prepare("INSERT OR REPLACE INTO sessions (sid, sess, expire) VALUES (?, ?, ?)");
  const del = db.prepare("DELETE FROM sessions WHERE sid = ?");
  const touch = db.prepare("UPDATE sessions SET expire = ? WHERE sid = ?");
  const expiry = (sess) =>
    sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : Date.now() + 86_400_000;
  class Store extends session.Store {
    get(sid, cb) {
      const row = get.get(sid, Date.now());
      cb(null, row ? JSON.parse(row.sess) : null);
    }
    set(sid, sess, cb) {
      set.run(sid, JSON.stringify(sess), expiry(sess));
      cb?.(null);
    }
    destroy(sid, cb) {
      del.run(sid);
      cb?.(null);
    }
    touch(sid, sess, cb) {
      touch.run(expiry(sess), sid);
      cb?.(null);
    }
  }
  return new Store();
}
