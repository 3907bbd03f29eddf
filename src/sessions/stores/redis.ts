/**
 * Redis through node-redis (the client Redis maintains; it pipelines commands issued together on one
 * connection, which is what a session store does all day). One key a session under `cherry:sess:`,
 * with native expiry (PEXPIREAT), so expired sessions vanish without a sweep. Commands fail at once
 * while the server is unreachable (no offline queue), which the manager turns into 503s.
 *
 * node-redis gives every command its own timeout (an AbortSignal and a timer each: measured here,
 * that alone cut throughput by three quarters). Commands on one connection are answered in order,
 * so one watchdog PING a second tells the same: when a PING stays unanswered for commandTimeoutMs,
 * the server is stuck, and the connection is replaced, which fails what waited on it (503s).
 *
 * A little over 300 lines: the store and, at its end, its descriptor (./_descriptor.ts) stay together.
 */
import type { RedisClientType } from "redis";
import { redact, scrub, secretFragments } from "../../config/redact.js";
import { CherryError } from "../../errors.js";
import { isSessionId, lockToken } from "../ids.js";
import type { PurgeOptions, PurgeResult, SessionListing, SessionStore, StoredSession } from "../store.js";
import { requireDriver, storeDescriptor } from "./_descriptor.js";
import { checkUrlParses, checkUrlScheme, splitUrl } from "./_url.js";

export const REDIS_PREFIX = "cherry:sess:";
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
/** Unlinks a session key only if it holds a string: a hash, list or set under that name is not cherry's. */
const DESTROY =
  "if redis.call('type', KEYS[1]).ok == 'string' then return redis.call('unlink', KEYS[1]) else return 0 end";

export interface RedisStoreOptions {
  url: string;
  prefix?: string;
  /** ms to wait for the first connection before giving up. */
  connectTimeoutMs?: number;
  /** ms a command may go unanswered before the connection is deemed stuck and replaced. */
  commandTimeoutMs?: number;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 5000;
const DRIVER = "redis";
/**
 * Keys asked per SCAN page by ls and purge. Measured on 50,000 sessions: 1000 peaked at 142-147 MB
 * (each page's pipelined replies), 250 at 117 MB and was no slower.
 */
const SCAN_PAGE = 250;

function newClient(options: RedisStoreOptions, onError: (error: Error) => void): RedisClientType {
  const { createClient } = requireDriver<typeof import("redis")>("redis", DRIVER);
  const client: RedisClientType = createClient({
    url: options.url,
    disableOfflineQueue: true,
    // No per-command timer: the store's watchdog does that job for all commands at once.
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 3000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
    },
  });
  client.on("error", onError);
  return client;
}

export class RedisStore implements SessionStore {
  /** One connection, auto-pipelined: commands run in the order they were issued. */
  readonly inOrder = true;
  readonly prefix: string;
  private readonly watchdog: NodeJS.Timeout;
  private pingSince: number | undefined;
  /** Lock attempts sent and not answered yet (key -> token): orphans if their connection dies. */
  private readonly attempts = new Map<string, string>();

  private constructor(
    private client: RedisClientType,
    private readonly options: RedisStoreOptions,
  ) {
    this.prefix = options.prefix ?? REDIS_PREFIX;
    const timeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.watchdog = setInterval(() => this.check(timeout), Math.min(1000, timeout / 2)).unref();
  }

  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    let lastError: Error | undefined;
    const client = newClient(options, (error) => {
      lastError = error;
    });
    const timeout = options.connectTimeoutMs ?? 3000;
    try {
      await Promise.race([
        client.connect(),
        new Promise((_, reject) =>
          setTimeout(() => reject(lastError ?? new Error(`no answer within ${timeout} ms`)), timeout).unref(),
        ),
      ]);
    } catch (error) {
      client.destroy();
      throw new CherryError(
        "E_STORE_UNAVAILABLE",
        `[store:redis] cannot reach ${redact(options.url)}: ${scrub(describe(lastError ?? error), secretFragments(options.url))}`,
        {
          cause: error,
          hint: "is Redis running? check [session] storageUrl",
        },
      );
    }
    return new RedisStore(client, options);
  }

  /** The watchdog: one PING in flight at a time; one unanswered for `timeout` ms means stuck. */
  private check(timeout: number): void {
    if (this.pingSince !== undefined) {
      if (Date.now() - this.pingSince > timeout) this.replaceClient();
      return;
    }
    const client = this.client;
    if (!client.isReady) return; // reconnecting: commands fail at once meanwhile
    this.pingSince = Date.now();
    const settled = () => {
      if (this.client === client) this.pingSince = undefined;
    };
    client.ping().then(settled, settled);
  }

  /** Fails every command waiting on the stuck connection and starts a fresh one. */
  private replaceClient(): void {
    const stuck = this.client;
    this.pingSince = undefined;
    // A lock attempt whose answer was lost may still be applied when the server wakes up: once
    // connected again, release those tokens (compare-and-delete, so no one else's lock goes).
    const orphans = [...this.attempts];
    this.attempts.clear();
    const fresh = newClient(this.options, () => undefined);
    this.client = fresh;
    // Connects in the background, retrying like any reconnect; commands fail fast until it is up.
    fresh
      .connect()
      .then(() =>
        Promise.all(orphans.map(([key, token]) => fresh.eval(RELEASE, { keys: [key], arguments: [token] }))),
      )
      .catch(() => undefined);
    stuck.destroy();
  }

  private key(id: string): string {
    return this.prefix + id;
  }

  /**
   * SCAN pattern of session keys only: the prefix with its glob characters escaped, then 40 hex
   * digits. Other keys under the prefix (an app's own, the locks) are never listed or removed, nor
   * are keys of that name that are not strings (SCAN's TYPE filter): cherry writes only strings.
   */
  private get sessionPattern(): string {
    return this.prefix.replace(/[*?[\]\\]/g, "\\$&") + "[0-9a-f]".repeat(40);
  }

  /** Whether a key SCAN returned is a session key (the pattern already says so; checked exactly). */
  private isSessionKey(key: string): boolean {
    return key.startsWith(this.prefix) && isSessionId(key.slice(this.prefix.length));
  }

  private scanSessions(): AsyncIterable<string[]> {
    return this.client.scanIterator({ MATCH: this.sessionPattern, COUNT: SCAN_PAGE, TYPE: "string" });
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const key = this.key(id);
    let text: string | null;
    let expiresAt: number;
    try {
      [text, expiresAt] = await Promise.all([this.client.get(key), this.client.pExpireTime(key)]);
    } catch (error) {
      // Another program's hash or list under a session's name: no session, not a store failure.
      if ((error as Error)?.message?.startsWith("WRONGTYPE")) return undefined;
      throw error;
    }
    if (text === null || typeof expiresAt !== "number" || expiresAt < 0) return undefined;
    try {
      const data = JSON.parse(text);
      return typeof data === "object" && data !== null ? { data, expiresAt, json: text } : undefined;
    } catch {
      return undefined;
    }
  }

  async set(id: string, session: StoredSession): Promise<void> {
    await this.client.set(this.key(id), session.json ?? JSON.stringify(session.data), {
      expiration: { type: "PXAT", value: Math.max(1, Math.round(session.expiresAt)) },
    });
  }

  /** SET … XX: written only if the key exists, in one command. */
  async update(id: string, session: StoredSession): Promise<boolean> {
    const reply = await this.client.set(this.key(id), session.json ?? JSON.stringify(session.data), {
      condition: "XX",
      expiration: { type: "PXAT", value: Math.max(1, Math.round(session.expiresAt)) },
    });
    return reply === "OK";
  }

  async destroy(id: string): Promise<void> {
    await this.client.eval(DESTROY, { keys: [this.key(id)] });
  }

  async touch(id: string, expiresAt: number): Promise<void> {
    await this.client.pExpireAt(this.key(id), Math.round(expiresAt));
  }

  async *list(): AsyncIterable<SessionListing> {
    for await (const page of this.scanSessions()) {
      const keys = page.filter((k) => this.isSessionKey(k));
      if (keys.length === 0) continue;
      const multi = this.client.multi();
      for (const key of keys) multi.pExpireTime(key).strLen(key);
      const replies = (await multi.execAsPipeline()) as unknown as number[];
      for (let i = 0; i < keys.length; i++) {
        const expiresAt = replies[2 * i];
        if (expiresAt < 0) continue;
        yield { id: keys[i].slice(this.prefix.length), expiresAt, bytes: replies[2 * i + 1] };
      }
    }
  }

  /**
   * Redis expires keys itself; purge removes what it was asked to (all) and unreadable values, of
   * session keys only (`<prefix><40 hex>`): other keys under the prefix are not cherry's.
   */
  async purge({ all, dryRun }: PurgeOptions): Promise<PurgeResult> {
    const result: PurgeResult = { removed: 0, kept: 0, unreadable: 0 };
    for await (const keys of this.scanSessions()) {
      const sessions = keys.filter((k) => this.isSessionKey(k));
      if (sessions.length === 0) continue;
      let doomed = sessions;
      if (!all) {
        const values = await this.client.mGet(sessions);
        // null: the key expired since the scan saw it; anything else that is not JSON is unreadable.
        doomed = sessions.filter((_, i) => values[i] !== null && !isJsonObject(values[i]));
        result.unreadable += doomed.length;
      }
      if (doomed.length > 0 && !dryRun) await this.client.unlink(doomed);
      result.removed += doomed.length;
      result.kept += sessions.length - doomed.length;
    }
    return result;
  }

  async tryLock(id: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const key = `${this.prefix}lock:${id}`;
    const token = lockToken();
    this.attempts.set(key, token);
    let ok: string | null;
    try {
      ok = await this.client.set(key, token, {
        condition: "NX",
        expiration: { type: "PX", value: ttlMs },
      });
    } finally {
      if (this.attempts.get(key) === token) this.attempts.delete(key);
    }
    if (ok !== "OK") return undefined;
    return async () => {
      // Only our own token is deleted: a lock that expired and was taken by another holder stays.
      await this.client.eval(RELEASE, { keys: [key], arguments: [token] }).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
    try {
      await this.client.close();
    } catch {
      this.client.destroy();
    }
  }
}

function isJsonObject(text: string | null): boolean {
  if (text === null) return false;
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null;
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { errors?: Error[] };
  if (e?.errors?.length) return e.errors.map((x) => x.message).join("; ");
  return e?.code ?? e?.message ?? String(error);
}

/**
 * storageUrl's own query parameters, removed before the URL reaches the driver: `?prefix=` (key
 * prefix, default cherry:sess:, so several apps can share one server) and `?commandTimeout=` (ms
 * without an answer after which the connection is deemed stuck and replaced, default 5000).
 */
export const descriptor = storeDescriptor({
  name: "redis",
  keys: ["session.storageUrl"],
  driver: DRIVER,
  sharing: "machines",
  validate(config, ctx) {
    checkUrlScheme(config, ctx, "redis", /^rediss?:\/\//, "redis://host:port[/db] or rediss://…");
    // redis reads the path as the database number (`/0`); anything else is a password cut at a `/`.
    checkUrlParses(config, ctx, /^\/?\d*$/);
  },
  async open({ session }) {
    const { url, own } = splitUrl(session.storageUrl, ["prefix", "commandTimeout"]);
    const timeout = Number(own.commandTimeout);
    const store = await RedisStore.connect({
      url,
      prefix: own.prefix,
      commandTimeoutMs: timeout > 0 ? timeout : undefined,
    });
    return { store };
  },
  init: { lines: ["storageType = redis", "storageUrl = redis://127.0.0.1:6379/0"] },
  describe: ({ session }) => `the redis store at ${redact(session.storageUrl)}`,
});
