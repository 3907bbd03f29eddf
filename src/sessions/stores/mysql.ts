/**
 * MySQL 8 and MariaDB 10.6+ through mysql2's connection pool, with parameterised statements only.
 * Longer than most stores: it also adopts the CherryPy HowTo's own table (below), which no other
 * store has to.
 *
 * The table is the HowTo's (§16.8): `session_data(sessionId, sessionData, expirationTime)`, so a
 * reader of the HowTo recognises it. cherry creates it with the id as primary key, the data as JSON
 * text in a `LONGTEXT` utf8mb4 column with a binary collation (kept byte for byte; MySQL's `JSON`
 * type would reformat it, and the manager compares that text to judge changes), and the expiry as
 * epoch seconds, as in the HowTo, with milliseconds as three decimals, indexed for sweeps.
 *
 * A table made exactly as the HowTo shows (`varchar(50)`, `text`, `int unsigned`, no key) is used as
 * it is: cherry adds the primary key and the expiry index it needs (saying so once), writes whole
 * seconds (rounded up), and escapes non-ASCII characters in the JSON when the column's character set
 * is not utf8mb4, so every string still round-trips. Where using a table would mean changing a
 * column or removing rows (an id column too short, duplicate ids, a missing column), cherry refuses
 * with the statement to run instead of altering the user's table.
 *
 * Locks across processes and machines are rows of `<table>_locks` (a MEMORY table: no disk write per
 * lock, and its rows vanish with a server restart together with the connections of their holders),
 * taken with INSERT IGNORE and taken over only once expired by the server's clock. GET_LOCK and
 * SELECT … FOR UPDATE were not used: both belong to one connection, so every request waiting on a
 * session would hold a pooled connection for its whole handler, and a pool of ten would serve ten
 * sessions at a time.
 */
import type mysql from "mysql2/promise";
import { redact, scrub, secretFragments } from "../../config/redact.js";
import { CherryError } from "../../errors.js";
import { lockToken } from "../ids.js";
import type {
  PurgeOptions,
  PurgeResult,
  SessionData,
  SessionListing,
  SessionStore,
  StoredSession,
} from "../store.js";
import { requireDriver, storeDescriptor } from "./_descriptor.js";
import { prepare, quote, type Shape } from "./_mysql-table.js";
import { checkUrlParses, checkUrlScheme, splitUrl } from "./_url.js";

export interface MysqlStoreOptions {
  /**
   * mysql://user:password@host:3306/db (or mariadb://…, the same). cherry's own query parameters are removed before mysql2
   * reads the rest: `?table=` (default session_data), `?poolSize=` (connections per process,
   * default 10) and `?queryTimeout=` (ms a statement may take before its connection is deemed
   * stuck and dropped, default 5000).
   */
  url: string;
  /** Overrides `?table=`. */
  table?: string;
  /** Overrides `?poolSize=`. */
  poolSize?: number;
  /** Where the one-time notice of an adopted HowTo table goes; default stderr. */
  onNotice?(message: string): void;
}

/** Rows whose id has a session id's shape, compared byte for byte whatever the column's collation. */
const IS_SESSION = "sessionId REGEXP '^[0-9a-f]{40}$' AND CAST(sessionId AS BINARY) = LOWER(sessionId)";
/**
 * Errors about the value, not the server, by error number: they fail their request (500), never as
 * an outage. Data too long (1406), a wrong value for the column (1366), a packet over
 * max_allowed_packet (1153), MySQL 8's JSON column refusing the text (ER_INVALID_JSON_TEXT 3140,
 * _IN_PARAM 3141, _CHARSET 3144) and a CHECK constraint failing (MySQL 8: 3819; MariaDB: 4025 with
 * SQLSTATE 23000, which is how its `JSON` column, a LONGTEXT CHECK(json_valid(…)), refuses an escaped
 * unpaired surrogate; MySQL's own 4025 is an InnoDB option error of SQLSTATE HY000). Also any
 * SQLSTATE of class 22 (data exception).
 */
const VALUE_ERRORS = new Set([1406, 1366, 1153, 3140, 3141, 3144, 3819]);
function aboutValue(error: unknown): boolean {
  const { errno, sqlState } = error as { errno?: number; sqlState?: string };
  if (errno === 4025) return sqlState === "23000";
  return (errno !== undefined && VALUE_ERRORS.has(errno)) || Boolean(sqlState?.startsWith("22"));
}
/**
 * Whether a row's text is JSON. MariaDB's JSON_VALID refuses an escaped unpaired surrogate
 * (`"\ud800"`), which JSON.stringify writes and JSON.parse reads: those escapes are made ordinary
 * (`\u0800`) first, a change that keeps valid text valid and invalid text invalid.
 */
const READABLE = "JSON_VALID(REPLACE(REPLACE(sessionData, '\\\\ud', '\\\\u0'), '\\\\uD', '\\\\u0'))";
const PAGE = 5000;
/** How often a lock row left by a failed statement is deleted again (see forget()). */
const FORGET_EVERY_MS = 250;
/** Answered DELETEs that found no row after which forget() stops: the row never landed. */
const FORGET_ANSWERS = 4;

export class MysqlStore implements SessionStore {
  private closed = false;

  private constructor(
    private readonly pool: mysql.Pool,
    private readonly url: string,
    private readonly table: string,
    private readonly locks: string,
    private readonly shape: Shape,
    private readonly timeout: number,
  ) {}

  static async connect(options: MysqlStoreOptions): Promise<MysqlStore> {
    const { url: given, own } = splitUrl(options.url, ["table", "poolSize", "queryTimeout"]);
    // mysql2 reads mysql:// only; mariadb:// names the same server.
    const url = given.replace(/^mariadb:/i, "mysql:");
    const name = options.table ?? own.table ?? "session_data";
    const poolSize = options.poolSize ?? positive(own.poolSize) ?? 10;
    const timeout = positive(own.queryTimeout) ?? 5000;
    const { createPool } = requireDriver<typeof mysql>("mysql", DRIVER, "mysql2/promise");
    const pool = createPool({
      uri: url,
      connectionLimit: poolSize,
      maxIdle: poolSize,
      connectTimeout: 3000,
      enableKeepAlive: true,
      decimalNumbers: true,
      charset: "utf8mb4",
    });
    // Strict: a value that does not fit fails instead of being cut; UTC: lock expiry by the
    // server's clock never meets a daylight-saving hour twice.
    pool.pool.on("connection", (connection) => {
      connection.query(
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00'",
        () => undefined,
      );
    });
    const table = quote(name);
    const locks = quote(`${name}_locks`);
    let shape: Shape;
    try {
      shape = await prepare(
        pool,
        name,
        options.onNotice ?? ((m) => process.stderr.write(`[cherry] [store:mysql] ${m}\n`)),
      );
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof CherryError) throw error;
      throw unavailable(options.url, error, "cannot use");
    }
    return new MysqlStore(pool, options.url, table, locks, shape, timeout);
  }

  /**
   * One statement through the pool; a server or connection failure is E_STORE_UNAVAILABLE naming
   * the URL. mysql2 applies no timeout to execute(): a statement unanswered after `timeout` ms
   * destroys its connection (the pool opens a fresh one) and fails, so a hung server answers 503s.
   */
  private async run<T extends mysql.RowDataPacket[] | mysql.ResultSetHeader>(
    sql: string,
    params: (string | number)[],
    session?: StoredSession,
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let connection: mysql.PoolConnection | undefined;
    try {
      connection = await this.pool.getConnection();
      const held = connection;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          connection = undefined;
          held.destroy();
          reject(new Error(`no answer within ${this.timeout} ms`));
        }, this.timeout);
      });
      const [result] = await Promise.race([held.execute<T>(sql, params), expired]);
      return result;
    } catch (error) {
      if (session && aboutValue(error)) throw refused(session.data, (error as Error).message, error);
      throw unavailable(this.url, error);
    } finally {
      clearTimeout(timer);
      connection?.release();
    }
  }

  /** The text to write and the expiry value of the column's unit. */
  private row(session: StoredSession): [string, number] {
    let json = session.json ?? JSON.stringify(session.data);
    if (this.shape.asciiOnly)
      json = json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.shape.maxBytes)
      throw refused(
        session.data,
        `the session is ${bytes} bytes, over the ${this.shape.maxBytes} its sessionData column holds`,
      );
    return [json, this.seconds(session.expiresAt)];
  }

  private seconds(ms: number): number {
    return this.shape.wholeSeconds ? Math.ceil(ms / 1000) : Math.round(ms) / 1000;
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const rows = await this.run<mysql.RowDataPacket[]>(
      `SELECT sessionData AS text, expirationTime * 1000 AS expires FROM ${this.table} WHERE sessionId = ? AND CAST(sessionId AS BINARY) = ?`,
      [id, id],
    );
    const row = rows[0];
    if (!row) return undefined;
    const data = decode(row.text);
    if (!data) return undefined;
    // Escaped text differs from what the manager serialises, and a `JSON` column comes back parsed
    // by mysql2 (reformatted by MySQL 8): either way the manager serialises again to compare.
    return {
      data,
      expiresAt: Number(row.expires),
      json: this.shape.asciiOnly || typeof row.text !== "string" ? undefined : row.text,
    };
  }

  async set(id: string, session: StoredSession): Promise<void> {
    const [json, expires] = this.row(session);
    // VALUES() rather than MySQL 8.0.19's row alias, which MariaDB does not read.
    await this.run(
      `INSERT INTO ${this.table} (sessionId, sessionData, expirationTime) VALUES (?, ?, ?)
       ON DUPLICATE KEY UPDATE sessionData = VALUES(sessionData), expirationTime = VALUES(expirationTime)`,
      [id, json, expires],
      session,
    );
  }

  /** UPDATE counts rows found, not changed (mysql2 connects with FOUND_ROWS): an unchanged row is there. */
  async update(id: string, session: StoredSession): Promise<boolean> {
    const [json, expires] = this.row(session);
    const result = await this.run<mysql.ResultSetHeader>(
      `UPDATE ${this.table} SET sessionData = ?, expirationTime = ? WHERE sessionId = ? AND CAST(sessionId AS BINARY) = ?`,
      [json, expires, id, id],
      session,
    );
    return result.affectedRows > 0;
  }

  async destroy(id: string): Promise<void> {
    await this.run(`DELETE FROM ${this.table} WHERE sessionId = ? AND CAST(sessionId AS BINARY) = ?`, [
      id,
      id,
    ]);
  }

  async touch(id: string, expiresAt: number): Promise<void> {
    await this.run(
      `UPDATE ${this.table} SET expirationTime = ? WHERE sessionId = ? AND CAST(sessionId AS BINARY) = ?`,
      [this.seconds(expiresAt), id, id],
    );
  }

  async *list(): AsyncIterable<SessionListing> {
    // Keyset pagination on the primary key: 100,000 rows never sit in memory at once.
    let after = "";
    for (;;) {
      const rows = await this.run<mysql.RowDataPacket[]>(
        `SELECT sessionId AS id, expirationTime * 1000 AS expires, LENGTH(sessionData) AS bytes
         FROM ${this.table} WHERE sessionId > ? AND ${IS_SESSION} ORDER BY sessionId LIMIT ${PAGE}`,
        [after],
      );
      for (const row of rows) yield { id: row.id, expiresAt: Number(row.expires), bytes: Number(row.bytes) };
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].id;
    }
  }

  /**
   * A sweep removes expired session rows; `all` removes every row holding a session as well. A row
   * that holds no JSON (a CherryPy app's pickle in an adopted HowTo table, a broken row) is not
   * cherry's to judge: it is removed only once its expirationTime has passed, as CherryPy's own
   * cleanUpOldSessions() would, never by `all`; `unreadable` counts such rows, removed or kept.
   */
  async purge({ now, all, dryRun }: PurgeOptions): Promise<PurgeResult> {
    const expired = "expirationTime <= ?";
    const doomed = all ? `(${expired} OR ${READABLE})` : expired;
    const at = now / 1000;
    const [counts] = await this.run<mysql.RowDataPacket[]>(
      `SELECT COUNT(*) AS total, COALESCE(SUM(${doomed}), 0) AS doomed, COALESCE(SUM(NOT ${READABLE}), 0) AS bad
       FROM ${this.table} WHERE ${IS_SESSION}`,
      [at],
    );
    const removed = dryRun
      ? Number(counts.doomed)
      : (
          await this.run<mysql.ResultSetHeader>(
            `DELETE FROM ${this.table} WHERE ${doomed} AND ${IS_SESSION}`,
            [at],
          )
        ).affectedRows;
    const total = Number(counts.total);
    return { removed, kept: Math.max(0, total - removed), unreadable: Number(counts.bad) };
  }

  /**
   * A lock row: inserted when free, taken over only once its holder's ttl ran out by the server's
   * clock. An attempt or a release that failed may still land (a hung server runs the statement when
   * it wakes): its token is then deleted in the background (`forget`).
   */
  async tryLock(id: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const token = lockToken();
    const deadline = Date.now() + ttlMs;
    const expiry = "ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) + ?";
    try {
      const inserted = await this.run<mysql.ResultSetHeader>(
        `INSERT IGNORE INTO ${this.locks} (sessionId, token, expiresAt) VALUES (?, ?, ${expiry})`,
        [id, token, ttlMs],
      );
      if (inserted.affectedRows === 0) {
        const taken = await this.run<mysql.ResultSetHeader>(
          `UPDATE ${this.locks} SET token = ?, expiresAt = ${expiry} WHERE sessionId = ? AND expiresAt < ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000)`,
          [token, ttlMs, id],
        );
        if (taken.affectedRows === 0) return undefined;
      }
    } catch (error) {
      this.forget(id, token, deadline);
      throw error;
    }
    return async () => {
      await this.run(`DELETE FROM ${this.locks} WHERE sessionId = ? AND token = ?`, [id, token]).catch(() =>
        this.forget(id, token, deadline),
      );
    };
  }

  /**
   * Deletes lock row `token` of `id` in the background once the server answers: until a DELETE
   * removes it, or FORGET_ANSWERS DELETEs were answered (the failed statement that wrote it may run
   * just after the first answered DELETE, when a hung server wakes), or `deadline` (epoch ms) when
   * the row would expire anyway. Stops at close().
   */
  private forget(id: string, token: string, deadline: number): void {
    let answers = 0;
    const attempt = async (): Promise<void> => {
      if (this.closed || Date.now() >= deadline) return;
      try {
        const result = await this.run<mysql.ResultSetHeader>(
          `DELETE FROM ${this.locks} WHERE sessionId = ? AND token = ?`,
          [id, token],
        );
        if (result.affectedRows > 0 || ++answers >= FORGET_ANSWERS) return;
      } catch {
        // Still down or hung: try again.
      }
      if (!this.closed && Date.now() < deadline) setTimeout(attempt, FORGET_EVERY_MS).unref();
    };
    setTimeout(attempt, FORGET_EVERY_MS).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.end();
  }
}

function unavailable(url: string, error: unknown, verb?: string): CherryError {
  const e = error as NodeJS.ErrnoException & { errors?: Error[] };
  const why = e?.errors?.length
    ? e.errors.map((x) => x.message).join("; ")
    : e?.message || String(e?.code ?? error);
  return new CherryError(
    "E_STORE_UNAVAILABLE",
    `[store:mysql] ${verb ? `${verb} ` : ""}${redact(url)}: ${scrub(why, secretFragments(url))}`,
    { cause: error, hint: "is MySQL or MariaDB running? check [session] storageUrl" },
  );
}

/** E_SESSION_VALUE naming the first key of the session (the largest, when it was about size). */
function refused(data: SessionData, why: string, cause?: unknown): CherryError {
  const sizes = Object.entries(data).map(([k, v]) => [k, (JSON.stringify(v) ?? "").length] as const);
  const key = sizes.sort((a, b) => b[1] - a[1])[0]?.[0];
  const what = key === undefined ? "a session value" : `session value ${JSON.stringify(key)}`;
  return new CherryError("E_SESSION_VALUE", `${what} cannot be stored: ${why}`, { cause });
}

/**
 * A row's data as a session: JSON text is parsed, a value mysql2 already parsed (a `JSON` column) is
 * taken as it is; undefined for anything that is not a JSON object (the HowTo's pickles, a broken row).
 */
function decode(value: unknown): SessionData | undefined {
  let data = value;
  if (typeof value === "string" || Buffer.isBuffer(value)) {
    try {
      data = JSON.parse(String(value));
    } catch {
      return undefined;
    }
  }
  return typeof data === "object" && data !== null && !Array.isArray(data) && !Buffer.isBuffer(data)
    ? (data as SessionData)
    : undefined;
}

function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

const DRIVER = "mysql2";

/**
 * Built from storageUrl alone (its `?table=`, `?poolSize=` and `?queryTimeout=` included); a server
 * several machines may share, so per-session locks are taken in it (lock rows, see the class).
 */
export const descriptor = storeDescriptor({
  name: "mysql",
  keys: ["session.storageUrl"],
  driver: DRIVER,
  sharing: "machines",
  validate(config, ctx) {
    checkUrlParses(config, ctx);
    checkUrlScheme(
      config,
      ctx,
      "mysql",
      /^(mysql|mariadb):\/\//i,
      "mysql://user:password@host:3306/db or mariadb://…",
    );
  },
  async open({ session }) {
    return { store: await MysqlStore.connect({ url: session.storageUrl }) };
  },
  init: { lines: ["storageType = mysql", "storageUrl = mysql://root@127.0.0.1:3306/test"] },
  describe: ({ session }) => `the mysql store at ${redact(session.storageUrl)}`,
});
