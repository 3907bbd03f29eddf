/**
 * PostgreSQL through pg's connection pool. The table is created on first use with the expiry
 * indexed; save is an upsert, touch updates only expires_at, a sweep is one DELETE.
 *
 * The data column is `json`, which keeps the text as written: every string JSON can carry round-trips
 * (`jsonb` refuses \u0000 and unpaired surrogates). A table an earlier cherry made with `jsonb` is
 * left as it is; a value it cannot hold then fails its request with the key named (docs/contract.md §3
 * rule 6), never as an outage.
 */
import type pg from "pg";
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
import { checkUrlParses, checkUrlScheme, splitUrl } from "./_url.js";

/**
 * Rows whose id has the shape of a session id (40 lowercase hex): listing, counting and purging
 * touch those only, so whatever else someone keeps in the table is never listed or removed.
 */
const IS_SESSION = "id ~ '^[0-9a-f]{40}$'";

export interface PostgresStoreOptions {
  url: string;
  /** Schema for the table (tests use their own); default: the connection's search_path. */
  schema?: string;
  table?: string;
  poolSize?: number;
}

export class PostgresStore implements SessionStore {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
    private readonly locks: string,
    /** The data column is jsonb (made by an earlier cherry): stricter strings, reformatted text. */
    private readonly binary: boolean,
  ) {}

  static async connect(options: PostgresStoreOptions): Promise<PostgresStore> {
    const { Pool } = requireDriver<typeof pg>("postgres", DRIVER);
    const pool = new Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client that loses its server must not take the process down.
    pool.on("error", () => undefined);
    const table = `${options.schema ? `${quote(options.schema)}.` : ""}${quote(options.table ?? "cherry_sessions")}`;
    const index = quote(`${options.table ?? "cherry_sessions"}_expires_at`);
    const locks = `${options.schema ? `${quote(options.schema)}.` : ""}${quote(`${options.table ?? "cherry_sessions"}_locks`)}`;
    let binary = false;
    try {
      // Several workers start at once: concurrent CREATE … IF NOT EXISTS can still collide in
      // PostgreSQL, so the first use is serialised by a transaction-scoped advisory lock.
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock(hashtext('cherry_sessions_setup'))");
        if (options.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(options.schema)}`);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, data json NOT NULL, expires_at timestamptz NOT NULL)`,
        );
        const column = await client.query<{ type: string }>(
          "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'data'",
          [table],
        );
        binary = column.rows[0]?.type === "jsonb";
        await client.query(`CREATE INDEX IF NOT EXISTS ${index} ON ${table} (expires_at)`);
        // Lock rows need no durability (a crash ends their holders too): an UNLOGGED table writes
        // no WAL, so taking and releasing a lock waits for no disk flush. Tables made by an
        // earlier cherry are switched once.
        await client.query(
          `CREATE UNLOGGED TABLE IF NOT EXISTS ${locks} (id text PRIMARY KEY, token text NOT NULL, expires_at timestamptz NOT NULL)`,
        );
        const { rows } = await client.query<{ logged: boolean }>(
          "SELECT relpersistence = 'p' AS logged FROM pg_class WHERE oid = $1::regclass",
          [locks],
        );
        if (rows[0]?.logged) await client.query(`ALTER TABLE ${locks} SET UNLOGGED`);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new CherryError(
        "E_STORE_UNAVAILABLE",
        `[store:postgres] cannot use ${redact(options.url)}: ${scrub((error as Error).message || String((error as NodeJS.ErrnoException).code), secretFragments(options.url))}`,
        {
          cause: error,
          hint: "is PostgreSQL running? check [session] storageUrl",
        },
      );
    }
    return new PostgresStore(pool, table, locks, binary);
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const { rows } = await this.pool.query<{ text: string; expires: number }>(
      `SELECT data::text AS text, (extract(epoch FROM expires_at) * 1000)::float8 AS expires FROM ${this.table} WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    const data: unknown = JSON.parse(row.text);
    if (typeof data !== "object" || data === null) return undefined;
    // json keeps the text as written (the manager compares it to judge changes); jsonb reformats it.
    return { data: data as SessionData, expiresAt: row.expires, json: this.binary ? undefined : row.text };
  }

  async set(id: string, session: StoredSession): Promise<void> {
    const json = this.checked(session);
    await this.write(
      `INSERT INTO ${this.table} (id, data, expires_at) VALUES ($1, $2, to_timestamp($3::float8 / 1000))
       ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
      [id, json, session.expiresAt],
      session,
    );
  }

  async update(id: string, session: StoredSession): Promise<boolean> {
    const json = this.checked(session);
    const { rowCount } = await this.write(
      `UPDATE ${this.table} SET data = $2, expires_at = to_timestamp($3::float8 / 1000) WHERE id = $1`,
      [id, json, session.expiresAt],
      session,
    );
    return (rowCount ?? 0) > 0;
  }

  /** The JSON to write; on a jsonb table, E_SESSION_VALUE naming the key jsonb cannot hold. */
  private checked(session: StoredSession): string {
    const json = session.json ?? JSON.stringify(session.data);
    if (this.binary && JSONB_REFUSES.test(json)) throw refused(session.data);
    return json;
  }

  /** A write; PostgreSQL refusing the value (SQLSTATE class 22, data exception) is not an outage. */
  private async write(sql: string, params: unknown[], session: StoredSession): Promise<pg.QueryResult> {
    try {
      return await this.pool.query(sql, params);
    } catch (error) {
      if (String((error as { code?: unknown }).code).startsWith("22")) throw refused(session.data, error);
      throw error;
    }
  }

  async destroy(id: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
  }

  async touch(id: string, expiresAt: number): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.table} SET expires_at = to_timestamp($2::float8 / 1000) WHERE id = $1`,
      [id, expiresAt],
    );
  }

  async *list(): AsyncIterable<SessionListing> {
    // Keyset pagination: a million rows never sit in memory at once.
    let after = "";
    for (;;) {
      const { rows } = await this.pool.query<{ id: string; expires: number; bytes: number }>(
        `SELECT id, (extract(epoch FROM expires_at) * 1000)::float8 AS expires, octet_length(data::text) AS bytes
         FROM ${this.table} WHERE id > $1 AND ${IS_SESSION} ORDER BY id LIMIT 5000`,
        [after],
      );
      for (const row of rows) yield { id: row.id, expiresAt: row.expires, bytes: row.bytes };
      if (rows.length < 5000) return;
      after = rows[rows.length - 1].id;
    }
  }

  async purge({ now, all, dryRun }: PurgeOptions): Promise<PurgeResult> {
    const where = all ? IS_SESSION : `expires_at <= to_timestamp($1::float8 / 1000) AND ${IS_SESSION}`;
    const params = all ? [] : [now];
    const total = Number(
      (await this.pool.query(`SELECT count(*) AS n FROM ${this.table} WHERE ${IS_SESSION}`)).rows[0].n,
    );
    const removed = dryRun
      ? Number(
          (await this.pool.query(`SELECT count(*) AS n FROM ${this.table} WHERE ${where}`, params)).rows[0].n,
        )
      : ((await this.pool.query(`DELETE FROM ${this.table} WHERE ${where}`, params)).rowCount ?? 0);
    return { removed, kept: total - removed, unreadable: 0 };
  }

  /** A row per held lock, taken over only once expired; released by deleting our own token's row. */
  async tryLock(id: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const token = lockToken();
    const { rowCount } = await this.pool.query(
      `INSERT INTO ${this.locks} (id, token, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
       WHERE ${this.locks}.expires_at < now()`,
      [id, token, ttlMs],
    );
    if (!rowCount) return undefined;
    return async () => {
      await this.pool
        .query(`DELETE FROM ${this.locks} WHERE id = $1 AND token = $2`, [id, token])
        .catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** \u0000 or an escaped (hence unpaired) surrogate, after an even number of backslashes. */
const JSONB_REFUSES = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** E_SESSION_VALUE naming the first key (or value) the jsonb column refuses. */
function refused(data: SessionData, cause?: unknown): CherryError {
  const key = Object.keys(data).find(
    (k) => JSONB_REFUSES.test(JSON.stringify(k)) || JSONB_REFUSES.test(JSON.stringify(data[k]) ?? ""),
  );
  const what = key === undefined ? "a session value" : `session value ${JSON.stringify(key)}`;
  const why =
    (cause as Error | undefined)?.message ?? "a jsonb column cannot hold \\u0000 or an unpaired surrogate";
  return new CherryError(
    "E_SESSION_VALUE",
    `${what} cannot be stored: ${why} (this table's data column is jsonb; a table cherry creates uses json, which keeps every string)`,
    { cause },
  );
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const DRIVER = "pg";

/**
 * storageUrl's own query parameters, removed before the URL reaches the driver: `?schema=` (schema
 * of the cherry_sessions table) and `?poolSize=` (connections per process, default 10).
 */
export const descriptor = storeDescriptor({
  name: "postgres",
  keys: ["session.storageUrl"],
  driver: DRIVER,
  sharing: "machines",
  validate(config, ctx) {
    checkUrlParses(config, ctx);
    checkUrlScheme(config, ctx, "postgres", /^postgres(ql)?:\/\//, "postgres://user@host:port/db");
  },
  async open({ session }) {
    const { url, own } = splitUrl(session.storageUrl, ["schema", "poolSize"]);
    const poolSize = Number(own.poolSize);
    const store = await PostgresStore.connect({
      url,
      schema: own.schema,
      poolSize: Number.isInteger(poolSize) && poolSize > 0 ? poolSize : undefined,
    });
    return { store };
  },
  init: { lines: ["storageType = postgres", "storageUrl = postgres://postgres@127.0.0.1:5432/postgres"] },
  describe: ({ session }) => `the postgres store at ${redact(session.storageUrl)}`,
});
