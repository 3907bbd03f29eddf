/**
 * The session manager owns everything stores must not repeat (STYLE.md): ids, expiry, locking,
 * serialization, change detection, touch fallback and the cookie. A RequestSession is one request's
 * view: begin() before the handler, commit() after it and before the response is sent.
 */
import type { IncomingMessage } from "node:http";
import { parse as parseCookies } from "cookie";
import type { SessionConfig } from "../config/types.js";
import { CherryError } from "../errors.js";
import type { Logger } from "../log.js";
import { describe, storeError } from "./_store-error.js";
import { isSessionId } from "./ids.js";
import { KeyedLock } from "./lock.js";
import { RequestSession } from "./request-session.js";
import type { SessionStore, StoredSession } from "./store.js";
import type { CookieSealer } from "./stores/cookie.js";

export { RequestSession };

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
      // Taken as sent: ids and seals are cookie-safe, so a percent-encoded or otherwise re-spelled
      // value is not ours and must not open the same session (cookie's default decode would).
      return parseCookies(header, { decode: (v) => v })[this.config.cookieName];
    } catch {
      return undefined;
    }
  }

  /**
   * Loads (and locks) the request's session. Throws E_STORE_UNAVAILABLE or E_SESSION_LOCK_TIMEOUT.
   * Synchronous when it can be (no cookie, the cookie store, or a free lock on a store that answers
   * synchronously: ram, file, sqlite): each await on the hot path costs a turn of the event loop.
   */
  begin(req: IncomingMessage, secure: boolean): RequestSession | Promise<RequestSession> {
    const raw = this.cookieValue(req);
    const { sealer, store } = this.backend;
    if (sealer) {
      const opened = raw ? sealer.open(raw) : undefined;
      const live = opened && opened.expiresAt > this.now() && isSessionId(opened.id) ? opened : undefined;
      return new RequestSession(this, secure, live?.id, live, undefined, live?.stale ?? false);
    }
    if (!store || !isSessionId(raw))
      return new RequestSession(this, secure, undefined, undefined, undefined, false);
    if (this.config.locking !== "implicit") return this.load(raw, store, secure, undefined);
    const release = this.crossProcess ? undefined : this.locks.tryAcquire(raw);
    if (!release) return this.beginQueued(raw, store, secure);
    const unwritten = this.chains.get(raw)?.state;
    return unwritten ? this.opened(raw, unwritten, secure, release) : this.load(raw, store, secure, release);
  }

  /** Reads the session with the lock (if any) held; releases it when there is nothing to hold. */
  private load(
    id: string,
    store: SessionStore,
    secure: boolean,
    release: (() => void) | undefined,
  ): RequestSession | Promise<RequestSession> {
    let got: StoredSession | undefined | Promise<StoredSession | undefined>;
    try {
      got = store.get(id);
    } catch (error) {
      release?.();
      throw storeError(error);
    }
    if (!(got instanceof Promise)) return this.opened(id, got, secure, release);
    return got.then(
      (stored) => this.opened(id, stored, secure, release),
      (error) => {
        release?.();
        throw storeError(error);
      },
    );
  }

  private opened(
    id: string,
    stored: StoredSession | undefined,
    secure: boolean,
    release: (() => void) | undefined,
  ): RequestSession {
    if (!stored || !(stored.expiresAt > this.now())) {
      release?.();
      return new RequestSession(this, secure, undefined, undefined, undefined, false);
    }
    return new RequestSession(this, secure, id, stored, release, false);
  }

  /** The slow path: wait for the in-process lock, take the cross-process one when needed. */
  private async beginQueued(raw: string, store: SessionStore, secure: boolean): Promise<RequestSession> {
    const locked = await this.lockSession(raw, store);
    const release = locked.release;
    // A request queued behind others of its session starts from their unwritten state.
    const unwritten = this.chains.get(raw)?.state;
    if (unwritten) return this.opened(raw, unwritten, secure, release);
    if (!locked.prefetched) return this.load(raw, store, secure, release);
    let stored: StoredSession | undefined;
    try {
      stored = await locked.prefetched;
    } catch (error) {
      release();
      throw storeError(error);
    }
    return this.opened(raw, stored, secure, release);
  }

  /**
   * The in-process lock of a session, plus the store's cross-process one when needed. With a
   * cross-process lock to take on a store that runs commands in the order they are issued
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
    try {
      await this.settleChain(id, (store) => store.set(id, latest));
    } finally {
      release();
    }
  }

  /** Writes what earlier requests left unwritten, whoever waits; the caller holds the lock. */
  async flushNow(id: string): Promise<void> {
    const chain = this.chains.get(id);
    if (chain) await this.settleChain(id, (store) => store.set(id, chain.state));
  }

  /**
   * Destroys the record; earlier requests of the group that waited for their write are answered
   * once it is gone (this later request cleared what they wrote). The caller holds the lock.
   */
  async destroyGrouped(id: string): Promise<void> {
    await this.settleChain(id, (store) => store.destroy(id));
  }

  /** Ends the session's group with one store operation: its waiters share that operation's outcome. */
  private async settleChain(id: string, operation: (store: SessionStore) => unknown): Promise<void> {
    const pending = this.chains.get(id)?.pending ?? [];
    this.chains.delete(id);
    try {
      const store = this.backend.store;
      if (store) await operation(store);
    } catch (error) {
      for (const settle of pending) settle(storeError(error));
      throw error;
    }
    for (const settle of pending) settle();
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
      const result = await store.purge({ now: this.now() });
      if (result.note) this.logger.warn(result.note);
    } catch (error) {
      this.logger.error(
        `[sessions] cleanup failed, next one in ${this.config.cleanUpDelay} min: ${describe(error)}`,
      );
    }
  }
}
