/**
 * The session manager owns everything stores must not repeat (docs/architecture.md): ids, expiry, locking,
 * group commit, and which sessions regenerate() or destroy() just removed. What a request does
 * with its session at the end is planned in _commit-plan.ts and carried out by finish(), the one
 * entry point to the store; each backend kind is a RecordKeeper (_keepers.ts), so nothing here asks
 * whether the session lives in a store or in the cookie. A RequestSession is one request's view:
 * begin() before the handler, its commit() after it and before the response is sent. (Longer than
 * most files: opening and finishing a session share the group-commit and removed-id state.)
 */
import type { IncomingMessage } from "node:http";
import type { SessionConfig } from "../config/types.js";
import type { Logger } from "../log.js";
import type { CommitPlan } from "./_commit-plan.js";
import { cookieValues } from "./_cookie-values.js";
import { type ReadSession, type RecordKeeper, SealedKeeper, StoreKeeper } from "./_keepers.js";
import { SessionLocks } from "./_session-locks.js";
import { describe, storeError } from "./_store-error.js";
import { Tombstones } from "./_tombstones.js";
import { isSessionId } from "./ids.js";
import { type Opened, RequestSession, type SessionContext } from "./request-session.js";
import type { SessionBackend, StoredSession } from "./store.js";

export type { CommitResult, Session } from "./request-session.js";
export type { SessionBackend } from "./store.js";
export { RequestSession };

export interface SessionManagerOptions {
  config: SessionConfig;
  backend: SessionBackend;
  logger: Logger;
  now?: () => number;
  lockTimeoutMs?: number;
}

/** How long an id removed by regenerate() or destroy() stays "superseded": the span of a race. */
const RACE_WINDOW_MS = 60_000;

/** What opening one cookie value gave: a live session, one removed meanwhile, or nothing. */
const SUPERSEDED = "superseded";
type Opening = Opened | typeof SUPERSEDED | undefined;

export class SessionManager implements SessionContext {
  config: SessionConfig;
  /** Set anew when a config edit changes the log (the manager, its locks and commits stay). */
  logger: Logger;
  readonly now: () => number;
  readonly locks: SessionLocks;
  keeper: RecordKeeper | undefined;
  #backend: SessionBackend = {};
  /** Group commit: per session, the newest state not yet written and who waits for its write. */
  private readonly chains = new Map<
    string,
    { state: StoredSession; pending: ((error: unknown, kept: boolean) => void)[] }
  >();
  private readonly removed = new Tombstones();
  private sweeping = false;

  constructor(options: SessionManagerOptions) {
    this.config = options.config;
    this.backend = options.backend;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.locks = new SessionLocks(() => this.logger, options.lockTimeoutMs ?? 30_000);
  }

  /**
   * Take the store's cross-process lock too (several workers, or Redis/PostgreSQL shared by several
   * machines).
   */
  get crossProcess(): boolean {
    return this.locks.crossProcess;
  }

  set crossProcess(on: boolean) {
    this.locks.crossProcess = on;
  }

  get backend(): SessionBackend {
    return this.#backend;
  }

  /** The only place that tells the backend kinds apart: each gets its keeper. */
  set backend(backend: SessionBackend) {
    this.#backend = backend;
    this.keeper = backend.sealer
      ? new SealedKeeper(backend.sealer)
      : backend.store
        ? new StoreKeeper(backend.store)
        : undefined;
  }

  get timeoutMs(): number {
    return this.config.timeoutMs;
  }

  /** Expiry moves at most this often: a touch per request would be a write per request. */
  get touchEveryMs(): number {
    return Math.min(60_000, this.timeoutMs / 20);
  }

  /**
   * Loads (and locks) the request's session. The cookie may come more than once (after cookiePath
   * or cookieDomain changed, browsers send both): each value is tried in order and the first live
   * session is used. Throws E_STORE_UNAVAILABLE or E_SESSION_LOCK_TIMEOUT. Synchronous when it can
   * be (no cookie, the cookie store, or a free lock on a store that answers synchronously: ram,
   * file, sqlite): each await on the hot path costs a turn of the event loop.
   */
  begin(req: IncomingMessage, secure: boolean): RequestSession | Promise<RequestSession> {
    const keeper = this.keeper;
    const values = keeper ? cookieValues(req.headers.cookie, this.config.cookieName) : undefined;
    if (!keeper || !values) return new RequestSession(this, secure, undefined, false);
    // The session is made where the opening ends (no extra promise hop on the queued path).
    const session = (opening: Opening) => this.session(opening, secure);
    if (values.length === 1) return this.openOne(keeper, values[0], session);
    return this.openFirst(keeper, values).then(session);
  }

  private session(opening: Opening, secure: boolean): RequestSession {
    return opening === SUPERSEDED
      ? new RequestSession(this, secure, undefined, true)
      : new RequestSession(this, secure, opening, false);
  }

  private async openFirst(keeper: RecordKeeper, values: string[]): Promise<Opening> {
    let superseded = false;
    for (const value of new Set(values)) {
      const opening = await this.openOne(keeper, value, same);
      if (opening === SUPERSEDED) superseded = true;
      else if (opening) return opening;
    }
    return superseded ? SUPERSEDED : undefined;
  }

  /** Opens one cookie value and hands the outcome to `done`. */
  private openOne<T>(keeper: RecordKeeper, value: string, done: (o: Opening) => T): T | Promise<T> {
    if (this.removed.size > 0 && this.removed.has(value, this.now())) return done(SUPERSEDED);
    if (!keeper.shared || this.config.locking !== "implicit")
      return this.load(keeper, value, undefined, done);
    // Anything not shaped like an id is ignored before any store (or lock) is asked.
    if (!isSessionId(value)) return done(undefined);
    const release = this.locks.tryAcquire(value);
    if (!release) return this.openQueued(keeper, value, done);
    const unwritten = this.chains.get(value)?.state;
    return unwritten ? done(this.opened(value, unwritten, release)) : this.load(keeper, value, release, done);
  }

  /** Reads the session with the lock (if any) held; releases it when there is nothing to hold. */
  private load<T>(
    keeper: RecordKeeper,
    value: string,
    release: (() => void) | undefined,
    done: (o: Opening) => T,
  ): T | Promise<T> {
    let got: ReadSession | undefined | Promise<ReadSession | undefined>;
    try {
      got = keeper.read(value);
    } catch (error) {
      release?.();
      throw storeError(error);
    }
    if (!(got instanceof Promise)) return done(this.opened(value, got, release));
    return got.then(
      (read) => done(this.opened(value, read, release)),
      (error) => {
        release?.();
        throw storeError(error);
      },
    );
  }

  /**
   * A live session, with its lock. An id that regenerate() or destroy() removed moments ago is
   * "superseded" (a request that carried it, or waited behind the one that removed it): it gets an
   * empty session that writes nothing and sends no cookie (README "Sessions", login races).
   */
  private opened(value: string, read: ReadSession | undefined, release: (() => void) | undefined): Opening {
    const id = read?.sealedId ?? value;
    if (read && this.removed.size > 0 && this.removed.has(id, this.now())) {
      release?.();
      return SUPERSEDED;
    }
    if (!read || !(read.expiresAt > this.now())) {
      release?.();
      return undefined;
    }
    return { id, stored: read, rewrite: read.rewrite ?? false, release };
  }

  /** The slow path: wait for the in-process lock, take the cross-process one when needed. */
  private async openQueued<T>(keeper: RecordKeeper, id: string, done: (o: Opening) => T): Promise<T> {
    const locked = await this.locks.acquire(id, keeper.store);
    const release = locked.release;
    // A request queued behind others of its session starts from their unwritten state.
    const unwritten = this.chains.get(id)?.state;
    if (unwritten) return done(this.opened(id, unwritten, release));
    if (this.removed.size > 0 && this.removed.has(id, this.now())) {
      release();
      return done(SUPERSEDED);
    }
    if (!locked.prefetched) return this.load(keeper, id, release, done);
    let stored: StoredSession | undefined;
    try {
      stored = await locked.prefetched;
    } catch (error) {
      release();
      throw storeError(error);
    }
    return done(this.opened(id, stored, release));
  }

  /**
   * The one entry point to the store at the end of a request: carries out the record part of
   * `plan` (undefined: the handler failed, write nothing) for the session `loaded` (undefined: none
   * was), always releasing its lock. `id` is the session's id now (new after regenerate); `next`
   * what to store. Resolves false when the loaded record was removed meanwhile (by regenerate(),
   * destroy() or a sweep elsewhere): then nothing was written, nothing re-created, and the caller
   * sends no cookie for it. Throws E_STORE_UNAVAILABLE; a failed group write fails its whole group.
   */
  finish(
    loaded: Opened | undefined,
    plan: CommitPlan | undefined,
    id: string,
    next: StoredSession | undefined,
  ): boolean | Promise<boolean> {
    const keeper = this.keeper;
    const release = loaded?.release ?? noop;
    if (loaded) loaded.release = undefined;
    const record = plan?.record ?? "nothing";
    // The common cases without a group to join or end, answered without a turn of the event loop
    // when the store answers synchronously (ram, sqlite): every await on the hot path costs one.
    const old = loaded?.id;
    if (
      keeper &&
      old !== undefined &&
      !plan?.dropLoaded &&
      !(this.removed.size > 0 && this.removed.has(old, this.now()))
    ) {
      const grouping = this.chains.has(old);
      if (record === "nothing" && !grouping) {
        release();
        return true;
      }
      if (
        next &&
        !grouping &&
        (record === "touch" || !keeper.groupsWrites || this.locks.waiting(old) === 0)
      ) {
        let done: unknown;
        try {
          done = record === "touch" ? keeper.touch(old, next) : keeper.update(old, next);
        } catch (error) {
          release();
          throw storeError(error);
        }
        if (!(done instanceof Promise)) return this.written(old, done, release);
        return done.then(
          (kept) => this.written(old, kept, release),
          (error) => {
            release();
            throw storeError(error);
          },
        );
      }
      // Joins, or ends, the group of requests queued on this session.
      return this.writeGrouped(old, record === "nothing" ? undefined : next, release);
    }
    return this.finishNewOrRemoved(keeper, loaded, plan, id, next, release);
  }

  private written(id: string, kept: unknown, release: () => void): boolean {
    release();
    if (kept !== false) return true;
    this.logger.info(
      `[sessions] session ${id.slice(0, 8)}… was removed while a request of it ran (a logout or login elsewhere): that request's changes were not saved`,
    );
    return false;
  }

  /** finish() for new sessions, removals, and sessions removed meanwhile. */
  private async finishNewOrRemoved(
    keeper: RecordKeeper | undefined,
    loaded: Opened | undefined,
    plan: CommitPlan | undefined,
    id: string,
    next: StoredSession | undefined,
    release: () => void,
  ): Promise<boolean> {
    const record = plan?.record ?? "nothing";
    try {
      if (!keeper || !loaded) {
        if (keeper && record === "write" && next) await keeper.create(id, next);
        release();
        return true;
      }
      const old = loaded.id;
      if (plan?.dropLoaded) {
        // Remembered before the record goes, so that no request can find it gone and start afresh.
        this.removed.add(old, this.now() + Math.min(RACE_WINDOW_MS, this.timeoutMs));
        // Requests queued before this one share its outcome: their record is gone (no cookie for them).
        await this.settleChain(old, async (k) => {
          await k.remove(old);
          return false;
        });
        if (record === "write" && next) await keeper.create(id, next);
        release();
        return true;
      }
      // Removed by a login or logout meanwhile: nothing to write, nothing to re-create.
      release();
      return false;
    } catch (error) {
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
  private async writeGrouped(
    id: string,
    state: StoredSession | undefined,
    release: () => void,
  ): Promise<boolean> {
    const chain = this.chains.get(id);
    const latest = state ?? chain?.state;
    if (!latest) {
      release();
      return true;
    }
    if (release !== noop && this.keeper?.groupsWrites && this.locks.waiting(id) > 0) {
      const done = new Promise<boolean>((resolve, reject) => {
        const pending = chain?.pending ?? [];
        pending.push((error, kept) => (error ? reject(error) : resolve(kept)));
        this.chains.set(id, { state: latest, pending });
      });
      release();
      return done;
    }
    let kept: boolean;
    try {
      kept = await this.settleChain(id, (keeper) => keeper.update(id, latest));
    } finally {
      release();
    }
    return kept || this.written(id, kept, noop);
  }

  /** Ends the session's group with one store operation: its waiters share that operation's outcome. */
  private async settleChain(id: string, operation: (keeper: RecordKeeper) => unknown): Promise<boolean> {
    const chain = this.chains.get(id);
    this.chains.delete(id);
    const pending = chain?.pending ?? [];
    let kept = true;
    try {
      const keeper = this.keeper;
      if (keeper) kept = (await operation(keeper)) !== false;
    } catch (error) {
      const failure = storeError(error);
      for (const settle of pending) settle(failure, false);
      throw failure;
    }
    for (const settle of pending) settle(undefined, kept);
    return kept;
  }

  /** Removes expired sessions (custom: calls cleanUpOldSessions). Never throws: a failed sweep is logged. */
  async sweep(): Promise<void> {
    const store = this.backend.store;
    // One sweep at a time: a slow purge (a big table) must not pile up behind a short cleanUpDelay.
    if (!store?.purge || this.sweeping) return;
    this.sweeping = true;
    try {
      const result = await store.purge({ now: this.now() });
      if (result.note) this.logger.warn(result.note);
    } catch (error) {
      this.logger.error(
        `[sessions] cleanup failed, next one in ${this.config.cleanUpDelay} min: ${describe(error)}`,
      );
    } finally {
      this.sweeping = false;
    }
  }
}

function noop(): void {}

function same(opening: Opening): Opening {
  return opening;
}
