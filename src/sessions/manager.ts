/**
 * The session manager owns everything stores must not repeat (STYLE.md): ids, expiry, locking,
 * serialization, change detection, touch fallback and the cookie. A RequestSession is one request's
 * view: begin() before the handler, commit() after it and before the response is sent.
 */
import type { IncomingMessage } from "node:http";
import { parse as parseCookies } from "cookie";
import type { SessionConfig } from "../config/types.js";
import { CherryError, isCherryError } from "../errors.js";
import type { Logger } from "../log.js";
import { expiredCookie, sessionCookie } from "./_cookie-header.js";
import { serializeSession } from "./_serialize.js";
import { isSessionId, newSessionId } from "./ids.js";
import { KeyedLock } from "./lock.js";
import { SessionMap } from "./session-map.js";
import type { SessionStore, StoredSession } from "./store.js";
import { COOKIE_LIMIT, type CookieSealer } from "./stores/cookie.js";
import { CustomStoreError } from "./stores/custom.js";

/** `request.session` (DESIGN.md §2). */
export interface Session {
  readonly id: string;
  readonly isNew: boolean;
  /** New id, data kept, old record gone (call it on login against session fixation). */
  regenerate(): void;
  /** Record gone, cookie expired. */
  destroy(): void;
}

export interface SessionBackend {
  /** Server-side store; absent for the cookie store. */
  store?: SessionStore;
  /** Present for the cookie store: the session travels sealed in the cookie. */
  sealer?: CookieSealer;
}

export interface SessionManagerOptions {
  config: SessionConfig;
  backend: SessionBackend;
  logger: Logger;
  now?: () => number;
  lockTimeoutMs?: number;
}

export interface CommitResult {
  setCookie?: string;
  vary: boolean;
}

/** A crashed holder's cross-process lock frees itself after this long. */
const LOCK_TTL_MS = 15_000;

export class SessionManager {
  config: SessionConfig;
  backend: SessionBackend;
  readonly logger: Logger;
  readonly now: () => number;
  readonly lockTimeoutMs: number;
  readonly locks = new KeyedLock();
  /**
   * Take the store's cross-process lock too (several workers, or Redis/PostgreSQL shared by several
   * machines). Held by this process for as long as its own requests of that session queue up.
   */
  crossProcess = false;
  private readonly held = new Map<string, () => unknown>();
  /** Group commit: per session, the newest state not yet written and who waits for its write. */
  private readonly chains = new Map<
    string,
    { state: StoredSession; pending: ((error?: unknown) => void)[] }
  >();

  constructor(options: SessionManagerOptions) {
    this.config = options.config;
    this.backend = options.backend;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
  }

  get timeoutMs(): number {
    return this.config.timeout * 60_000;
  }

  /** Expiry moves at most this often: a touch per request would be a write per request. */
  get touchEveryMs(): number {
    return Math.min(60_000, this.timeoutMs / 20);
  }

  cookieValue(req: IncomingMessage): string | undefined {
    const header = req.headers.cookie;
    if (!header?.includes(this.config.cookieName)) return undefined;
    try {
      return parseCookies(header)[this.config.cookieName];
    } catch {
      return undefined;
    }
  }

  /** Loads (and locks) the request's session. Throws E_STORE_UNAVAILABLE or E_SESSION_LOCK_TIMEOUT. */
  async begin(req: IncomingMessage, secure: boolean): Promise<RequestSession> {
    const raw = this.cookieValue(req);
    const { sealer, store } = this.backend;
    if (sealer) {
      const opened = raw ? sealer.open(raw) : undefined;
      const live = opened && opened.expiresAt > this.now() && isSessionId(opened.id) ? opened : undefined;
      return new RequestSession(this, secure, live?.id, live, undefined, live?.stale ?? false);
    }
    if (!store || !isSessionId(raw))
      return new RequestSession(this, secure, undefined, undefined, undefined, false);
    const locked = this.config.locking === "implicit" ? await this.lockSession(raw, store) : undefined;
    const release = locked?.release;
    // A request queued behind others of its session starts from their unwritten state.
    let stored: StoredSession | undefined = release ? this.chains.get(raw)?.state : undefined;
    try {
      stored ??= await (locked?.prefetched ?? store.get(raw));
    } catch (error) {
      release?.();
      throw storeError(error);
    }
    if (!stored || !(stored.expiresAt > this.now())) {
      release?.();
      return new RequestSession(this, secure, undefined, undefined, undefined, false);
    }
    return new RequestSession(this, secure, raw, stored, release, false);
  }

  /** The in-process lock of a session, plus the store's cross-process one when needed. */
  /**
   * With a cross-process lock to take on a store that runs commands in the order they are issued
   * (one pipelined connection), the read is sent right behind the first lock attempt: one round
   * trip instead of two in series. It is used only if that attempt won the lock, in which case the
   * store ran it after the lock was taken.
   */
  private async lockSession(
    id: string,
    store: SessionStore,
  ): Promise<{ release: () => void; prefetched?: Promise<StoredSession | undefined> }> {
    const releaseLocal = await this.locks.acquire(id, this.lockTimeoutMs);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const remote = this.held.get(id);
      if (remote && this.locks.waiting(id) === 0) {
        this.held.delete(id);
        Promise.resolve()
          .then(remote)
          .catch((error) =>
            this.logger.error(`[sessions] cannot release the lock of ${id.slice(0, 8)}…: ${describe(error)}`),
          );
      }
      releaseLocal();
    };
    if (!this.crossProcess || !store.tryLock || this.held.has(id)) return { release };
    const deadline = Date.now() + this.lockTimeoutMs;
    let prefetched: Promise<StoredSession | undefined> | undefined;
    try {
      for (let delay = 1; ; delay = Math.min(delay * 2, 25)) {
        const attempt = Promise.resolve(store.tryLock(id, LOCK_TTL_MS));
        if (delay === 1 && store.inOrder) prefetched = Promise.resolve(store.get(id));
        const remote = await attempt;
        if (remote) {
          this.held.set(id, remote);
          return { release, prefetched };
        }
        // Lost the first attempt: that read may predate the winner's write; read again later.
        prefetched?.catch(() => undefined);
        prefetched = undefined;
        if (Date.now() + delay > deadline) {
          throw new CherryError(
            "E_SESSION_LOCK_TIMEOUT",
            `session ${id.slice(0, 8)}… is busy: another process held it for over ${this.lockTimeoutMs} ms`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    } catch (error) {
      prefetched?.catch(() => undefined);
      release();
      throw storeError(error);
    }
  }

  /**
   * Group commit for one session (a store that writes to disk or a server): while requests are
   * queued behind this one, its state is handed to them and its response waits; the last of the
   * queue writes once for all, then every response of the group goes out. Nothing is reported
   * saved before it is written, and a failed write fails the whole group. `state` undefined:
   * only flush what earlier requests left. Always releases the lock.
   */
  async writeGrouped(id: string, state: StoredSession | undefined, release: () => void): Promise<void> {
    const chain = this.chains.get(id);
    const latest = state ?? chain?.state;
    if (!latest) return release();
    if (this.locks.waiting(id) > 0) {
      const done = new Promise<void>((resolve, reject) => {
        const pending = chain?.pending ?? [];
        pending.push((error) => (error ? reject(error) : resolve()));
        this.chains.set(id, { state: latest, pending });
      });
      release();
      return done;
    }
    this.chains.delete(id);
    try {
      await this.backend.store?.set(id, latest);
    } catch (error) {
      for (const settle of chain?.pending ?? []) settle(storeError(error));
      throw error;
    } finally {
      release();
    }
    for (const settle of chain?.pending ?? []) settle();
  }

  /** Writes what earlier requests left unwritten, whoever waits; the caller holds the lock. */
  async flushNow(id: string): Promise<void> {
    const chain = this.chains.get(id);
    if (!chain) return;
    this.chains.delete(id);
    try {
      await this.backend.store?.set(id, chain.state);
    } catch (error) {
      for (const settle of chain.pending) settle(storeError(error));
      throw error;
    }
    for (const settle of chain.pending) settle();
  }

  /** Whether earlier requests of this session left a state that is not written yet. */
  hasUnwritten(id: string): boolean {
    return this.chains.has(id);
  }

  /** Removes expired sessions (custom: calls cleanUpOldSessions). Never throws: a failed sweep is logged. */
  async sweep(): Promise<void> {
    const store = this.backend.store;
    if (!store?.purge) return;
    try {
      await store.purge({ now: this.now() });
    } catch (error) {
      this.logger.error(
        `[sessions] cleanup failed, next one in ${this.config.cleanUpDelay} min: ${describe(error)}`,
      );
    }
  }
}

export class RequestSession implements Session {
  readonly map: SessionMap;
  private currentId: string | undefined;
  private readonly loadedId: string | undefined;
  private readonly loadedJson: string | undefined;
  private regenerated = false;
  private destroyed = false;
  private handleUsed = false;

  constructor(
    private readonly manager: SessionManager,
    private readonly secure: boolean,
    id: string | undefined,
    private readonly loaded: StoredSession | undefined,
    private release: (() => void) | undefined,
    private readonly mustReseal: boolean,
  ) {
    this.currentId = id;
    this.loadedId = id;
    const data = loaded ? Object.entries(loaded.data) : [];
    const keepsObjects = manager.backend.store?.keepsObjects ?? false;
    this.loadedJson = loaded && !keepsObjects ? (loaded.json ?? JSON.stringify(loaded.data)) : undefined;
    this.map = new SessionMap(data, () => this.id);
  }

  get id(): string {
    this.handleUsed = true;
    this.currentId ??= newSessionId();
    return this.currentId;
  }

  get isNew(): boolean {
    this.handleUsed = true;
    return this.loadedId === undefined || this.regenerated || this.destroyed;
  }

  regenerate(): void {
    this.handleUsed = true;
    this.regenerated = true;
    this.currentId = newSessionId();
  }

  destroy(): void {
    this.handleUsed = true;
    this.destroyed = true;
    this.map._data.clear();
    this.map._changed = false;
    this.currentId = undefined;
  }

  /** Releases the lock without saving (handler threw or answered 5xx). */
  abandon(): void {
    const release = this.release;
    this.release = undefined;
    if (!release) return;
    if (this.loadedId && this.manager.hasUnwritten(this.loadedId)) {
      // Earlier requests of the group wait for a write this one was to make: make it for them.
      this.manager.writeGrouped(this.loadedId, undefined, release).catch(() => undefined);
      return;
    }
    release();
  }

  /**
   * Saves what changed, touches what did not, and says which headers the response needs.
   * Throws E_SESSION_VALUE / E_SESSION_TOO_LARGE (500) or E_STORE_UNAVAILABLE (503); the caller
   * then answers with that error, and nothing was reported as saved.
   */
  async commit(): Promise<CommitResult> {
    try {
      return await this.save();
    } finally {
      this.abandon();
    }
  }

  private async save(): Promise<CommitResult> {
    const { manager } = this;
    const { config, backend } = manager;
    const vary = this.map._used || this.handleUsed;
    const now = manager.now();
    const expiresAt = now + manager.timeoutMs;
    const persistentAge = config.cookiePersistent ? Math.round(manager.timeoutMs / 1000) : undefined;
    const hasData = this.map._data.size > 0;
    const idChanged = this.regenerated || this.destroyed;
    const keepsObjects = backend.store?.keepsObjects ?? false;

    // A handler that never looked at the session cannot have changed it: skip serializing.
    const looked = this.map._used || idChanged;
    let serialized: { data: Record<string, unknown>; json?: string } | undefined;
    if (hasData && looked) {
      serialized = keepsObjects
        ? { data: Object.fromEntries(this.map._data) }
        : serializeSession(this.map._data);
    }
    const changed =
      idChanged ||
      this.map._changed ||
      (serialized?.json !== undefined &&
        this.loadedJson !== undefined &&
        serialized.json !== this.loadedJson);
    const due = this.loaded !== undefined && expiresAt - this.loaded.expiresAt >= manager.touchEveryMs;

    if (backend.sealer) {
      if (!looked && hasData && (due || this.mustReseal)) serialized = serializeSession(this.map._data);
      return this.saveSealed(
        serialized,
        hasData,
        changed || this.mustReseal,
        due,
        expiresAt,
        persistentAge,
        vary,
      );
    }
    const store = backend.store;
    if (!store) return { vary };

    const grouped = this.release !== undefined && !keepsObjects && this.loadedId !== undefined && !idChanged;
    try {
      if (grouped && this.loadedId && this.loaded) {
        const release = this.release;
        this.release = undefined;
        const id = this.loadedId;
        if (hasData && serialized && changed) {
          await manager.writeGrouped(
            id,
            { data: serialized.data, expiresAt, json: serialized.json },
            release ?? (() => {}),
          );
          return {
            vary,
            setCookie: persistentAge ? sessionCookie(config, id, this.secure, persistentAge) : undefined,
          };
        }
        if (!hasData && changed) {
          release?.();
          await store.destroy(id);
          return { vary, setCookie: expiredCookie(config, this.secure) };
        }
        if (manager.hasUnwritten(id) || due) {
          const next = due ? { ...this.loaded, expiresAt } : undefined;
          if (!manager.hasUnwritten(id) && store.touch) {
            try {
              await store.touch(id, expiresAt);
            } finally {
              release?.();
            }
          } else await manager.writeGrouped(id, next, release ?? (() => {}));
          return {
            vary,
            setCookie:
              due && persistentAge ? sessionCookie(config, id, this.secure, persistentAge) : undefined,
          };
        }
        release?.();
        return { vary };
      }
      // The id is about to change: first write what the requests queued before this one left.
      if (this.loadedId) await manager.flushNow(this.loadedId);
      if (this.loadedId && (idChanged || (changed && !hasData))) await store.destroy(this.loadedId);
      if (hasData && serialized && (changed || this.loadedId === undefined)) {
        const id = this.id;
        await store.set(id, { data: serialized.data, expiresAt, json: serialized.json });
        const fresh = id !== this.loadedId;
        return {
          vary,
          setCookie:
            fresh || persistentAge ? sessionCookie(config, id, this.secure, persistentAge) : undefined,
        };
      }
      if (this.loadedId && !hasData && (changed || this.destroyed))
        return { vary, setCookie: expiredCookie(config, this.secure) };
      if (this.destroyed) return { vary, setCookie: undefined };
      if (this.loaded && this.loadedId && due) {
        if (store.touch) await store.touch(this.loadedId, expiresAt);
        else await store.set(this.loadedId, { data: this.loaded.data, expiresAt, json: this.loadedJson });
        return {
          vary,
          setCookie: persistentAge
            ? sessionCookie(config, this.loadedId, this.secure, persistentAge)
            : undefined,
        };
      }
      return { vary };
    } catch (error) {
      throw storeError(error);
    }
  }

  private saveSealed(
    serialized: { data: Record<string, unknown>; json?: string } | undefined,
    hasData: boolean,
    changed: boolean,
    due: boolean,
    expiresAt: number,
    persistentAge: number | undefined,
    vary: boolean,
  ): CommitResult {
    const { config, backend } = this.manager;
    if (!hasData) {
      return {
        vary,
        setCookie:
          this.loadedId && (changed || this.destroyed) ? expiredCookie(config, this.secure) : undefined,
      };
    }
    if ((!changed && !due && this.loadedId) || !serialized) return { vary };
    const sealed = backend.sealer?.seal({ id: this.id, data: serialized.data, expiresAt }) ?? "";
    const header = sessionCookie(config, sealed, this.secure, persistentAge);
    if (header.length > COOKIE_LIMIT) {
      throw new CherryError(
        "E_SESSION_TOO_LARGE",
        `the session cookie would be ${header.length} bytes, over the ${COOKIE_LIMIT} browsers keep: store less in the session or use a server-side store (storageType = sqlite, file or redis)`,
      );
    }
    return { vary, setCookie: header };
  }
}

function storeError(error: unknown): Error {
  if (isCherryError(error) || error instanceof CustomStoreError) return error as Error;
  return new CherryError("E_STORE_UNAVAILABLE", `session store unavailable: ${describe(error)}`, {
    cause: error,
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
