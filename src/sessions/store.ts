import type { CookieSealer } from "./stores/cookie.js";

/** What a store keeps for one session. `expiresAt` is epoch milliseconds, everywhere inside cherry. */
export interface StoredSession {
  data: SessionData;
  expiresAt: number;
  /** `data` as JSON when the manager or store already has it: text stores write it as is. */
  json?: string;
}

export type SessionData = Record<string, unknown>;
type Awaitable<T> = T | Promise<T>;

export interface SessionListing {
  id: string;
  expiresAt: number;
  /** Size of the stored record in bytes. */
  bytes: number;
  /** The data when the store had to read it anyway; undefined when only metadata was read. */
  data?: SessionData;
  /** The record exists but cannot be read (corrupt file, bad JSON). */
  unreadable?: boolean;
}

export interface PurgeOptions {
  /** Epoch milliseconds: records expiring at or before this are expired. */
  now: number;
  /** Remove every session, live ones too. */
  all?: boolean;
  dryRun?: boolean;
  /** Called now and then with how many sessions were looked at so far (for progress bars). */
  onProgress?(scanned: number): void;
}

export interface PurgeResult {
  removed: number;
  kept: number;
  unreadable: number;
  /** One line for the server's log after a sweep (ram: sessions its bound removed since the last). */
  note?: string;
}

/**
 * The store contract. `get`, `set` and `destroy` are required; `touch` is recommended (without it
 * the manager re-saves the data to move the expiry); having `list`, `purge` or `close` is the
 * capability. Stores never check ids, expiry or serialization rules: the manager does.
 */
export interface SessionStore {
  /** May return an expired record; the manager treats it as absent. */
  get(id: string): Awaitable<StoredSession | undefined>;
  set(id: string, session: StoredSession): Awaitable<void>;
  /**
   * Writes `session` only if a record of `id` exists (expired or not); resolves false, writing
   * nothing, when there is none. The manager saves every session it loaded this way, so a request
   * that ends after another one removed the record (regenerate, destroy, logout elsewhere) never
   * re-creates it. Without it the manager reads, then writes: the same rule with a small window.
   */
  update?(id: string, session: StoredSession): Awaitable<boolean>;
  destroy(id: string): Awaitable<void>;
  /** Moves the expiry of an existing record; never creates one. */
  touch?(id: string, expiresAt: number): Awaitable<void>;
  list?(): AsyncIterable<SessionListing>;
  purge?(options: PurgeOptions): Awaitable<PurgeResult>;
  close?(): Awaitable<void>;
  /**
   * Cross-process lock (several workers or machines on one store): try once to take the lock of
   * `id` for `ttlMs`; resolves with its release, or undefined when another process holds it. The
   * ttl frees the lock of a holder that crashed. The manager retries and times out.
   */
  tryLock?(id: string, ttlMs: number): Awaitable<(() => Awaitable<void>) | undefined>;
  /** True when commands issued without awaiting run in that order (one pipelined connection). */
  readonly inOrder?: boolean;
  /** True when values are kept as they are (ram): no JSON rules apply. */
  readonly keepsObjects?: boolean;
}

/** What the session manager keeps sessions in: a server-side store, or the cookie store's sealer. */
export interface SessionBackend {
  /** Server-side store; absent for the cookie store. */
  store?: SessionStore;
  /** Present for the cookie store: the session travels sealed in the cookie. */
  sealer?: CookieSealer;
}

/** Identity helper that type-checks a class-free store: `export default defineStore({ get, set, destroy })`. */
export function defineStore<T extends SessionStore>(store: T): T {
  return store;
}
