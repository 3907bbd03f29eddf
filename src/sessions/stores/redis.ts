/**
 * Redis through node-redis (the client Redis maintains; it pipelines commands issued together on one
 * connection, which is what a session store does all day). One key a session under `cherry:sess:`,
 * with native expiry (PEXPIREAT), so expired sessions vanish without a sweep. Commands fail at once
 * while the server is unreachable (no offline queue), which the manager turns into 503s.
 */
import { randomBytes } from "node:crypto";
import { createClient, type RedisClientType } from "redis";
import { redact } from "../../config/_rules.js";
import { CherryError } from "../../errors.js";
import type { PurgeOptions, PurgeResult, SessionListing, SessionStore, StoredSession } from "../store.js";

export const REDIS_PREFIX = "cherry:sess:";
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export interface RedisStoreOptions {
  url: string;
  prefix?: string;
  /** ms to wait for the first connection before giving up. */
  connectTimeoutMs?: number;
}

export class RedisStore implements SessionStore {
  /** One connection, auto-pipelined: commands run in the order they were issued. */
  readonly inOrder = true;
  readonly prefix: string;
  private constructor(
    private readonly client: RedisClientType,
    prefix: string,
  ) {
    this.prefix = prefix;
  }

  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const client: RedisClientType = createClient({
      url: options.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: options.connectTimeoutMs ?? 3000,
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
      },
    });
    let lastError: Error | undefined;
    client.on("error", (error: Error) => {
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
        `[store:redis] cannot reach ${redact(options.url)}: ${describe(lastError ?? error)}`,
        {
          cause: error,
          hint: "is Redis running? check [session] storageUrl",
        },
      );
    }
    return new RedisStore(client, options.prefix ?? REDIS_PREFIX);
  }

  private key(id: string): string {
    return this.prefix + id;
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const key = this.key(id);
    const [text, expiresAt] = await Promise.all([this.client.get(key), this.client.pExpireTime(key)]);
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

  async destroy(id: string): Promise<void> {
    await this.client.unlink(this.key(id));
  }

  async touch(id: string, expiresAt: number): Promise<void> {
    await this.client.pExpireAt(this.key(id), Math.round(expiresAt));
  }

  async *list(): AsyncIterable<SessionListing> {
    for await (const keys of this.client.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 1000 })) {
      if (keys.length === 0) continue;
      const multi = this.client.multi();
      for (const key of keys) multi.pExpireTime(key).strLen(key);
      const replies = (await multi.execAsPipeline()) as unknown as number[];
      for (let i = 0; i < keys.length; i++) {
        if (keys[i].startsWith(`${this.prefix}lock:`)) continue;
        const expiresAt = replies[2 * i];
        if (expiresAt < 0) continue;
        yield { id: keys[i].slice(this.prefix.length), expiresAt, bytes: replies[2 * i + 1] };
      }
    }
  }

  /** Redis expires keys itself; purge removes what it was asked to (all) and unreadable values. */
  async purge({ all, dryRun }: PurgeOptions): Promise<PurgeResult> {
    const result: PurgeResult = { removed: 0, kept: 0, unreadable: 0 };
    for await (const keys of this.client.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 1000 })) {
      const sessions = keys.filter((k) => !k.startsWith(`${this.prefix}lock:`));
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
    const token = randomBytes(12).toString("hex");
    const ok = await this.client.set(key, token, {
      condition: "NX",
      expiration: { type: "PX", value: ttlMs },
    });
    if (ok !== "OK") return undefined;
    return async () => {
      // Only our own token is deleted: a lock that expired and was taken by another holder stays.
      await this.client.eval(RELEASE, { keys: [key], arguments: [token] }).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
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
