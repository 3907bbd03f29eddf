/**
 * The end of a request, decided in one place: what happens to the session's record and to its
 * cookie, from the session's state and the clock alone (no I/O), so that every rule can be read
 * here and tested as a truth table (test/sessions/commit-plan.test.ts). The predicates are named
 * after express-session's (shouldSave, shouldTouch, shouldSetCookie, shouldDestroy); the rules are
 * docs/contract.md §3: lazy (rule 3), sliding expiry (4), saved only when changed, nothing on error (5),
 * the cookie (8).
 */

export interface SessionState {
  /** Expiry (epoch ms) of the record loaded for the request's cookie; undefined: none was. */
  loadedExpiresAt: number | undefined;
  /**
   * The cookie named a session that regenerate() or destroy() removed moments ago: the request
   * neither writes nor sends a cookie (unless it calls regenerate() itself).
   */
  superseded: boolean;
  /** The session holds at least one key at the end of the handler. */
  hasData: boolean;
  /** Its data differs from the loaded data, judged by value (the serialized text). */
  changed: boolean;
  /** The record must be written even if unchanged (a cookie sealed with a retired key). */
  rewrite: boolean;
  regenerated: boolean;
  destroyed: boolean;
  /** The handler threw or answered 5xx: nothing is saved (0.10 dropped changes on error). */
  failed: boolean;
  /** cookiePersistent: the cookie has a Max-Age that moves with the expiry. */
  persistent: boolean;
  /** The record travels in the cookie (the sealed store): every write or touch sends the cookie. */
  recordInCookie: boolean;
}

export interface PlanClock {
  /** Epoch milliseconds. */
  now: number;
  /** [session] timeout in milliseconds. */
  timeoutMs: number;
  /** The expiry moves at most this often (ms): a touch per request would be a write per request. */
  touchEveryMs: number;
}

export interface CommitPlan {
  /**
   * write: store the data (under a fresh id when `freshId`); touch: move the expiry only;
   * destroy: remove the loaded record, nothing replaces it; nothing: leave the store alone.
   */
  record: "write" | "touch" | "destroy" | "nothing";
  /** The data goes under a new id (a new session, or regenerate()). */
  freshId: boolean;
  /** The loaded record is removed (before a fresh-id write, so queued requests never see both). */
  dropLoaded: boolean;
  cookie: "set" | "expire" | "nothing";
  /** The record's new expiry (epoch ms), for write and touch. */
  expiresAt: number;
}

/** A live record was loaded: an expired one counts as none (rule 4). */
export function isLoaded(s: SessionState, clock: PlanClock): boolean {
  return s.loadedExpiresAt !== undefined && s.loadedExpiresAt > clock.now;
}

/**
 * Whether this request may act on the session at all. A superseded one may only start over by
 * calling regenerate() itself (logging in again): that is a new session of its own, never the one
 * that replaced its cookie.
 */
function acts(s: SessionState): boolean {
  return !s.failed && (!s.superseded || s.regenerated);
}

/** The data goes under a new id: none was loaded, or regenerate()/destroy() dropped the old one. */
export function needsFreshId(s: SessionState, clock: PlanClock): boolean {
  return !isLoaded(s, clock) || s.regenerated || s.destroyed;
}

/** Write the data: a session that holds data and is new, re-keyed, changed or due a rewrite. */
export function shouldSave(s: SessionState, clock: PlanClock): boolean {
  return acts(s) && s.hasData && (needsFreshId(s, clock) || s.changed || s.rewrite);
}

/** Remove the loaded record: destroy(), regenerate(), or every key deleted. */
export function shouldDestroy(s: SessionState, clock: PlanClock): boolean {
  return acts(s) && isLoaded(s, clock) && (s.destroyed || s.regenerated || (!s.hasData && s.changed));
}

/** Move the expiry of an unchanged live session, at most every touchEveryMs. */
export function shouldTouch(s: SessionState, clock: PlanClock): boolean {
  if (!acts(s) || !s.hasData || !isLoaded(s, clock) || shouldSave(s, clock)) return false;
  return clock.now + clock.timeoutMs - (s.loadedExpiresAt as number) >= clock.touchEveryMs;
}

/**
 * Send the cookie: a new id, or an expiry the browser must learn (persistent cookie), or a record
 * that lives in the cookie and was written or touched.
 */
export function shouldSetCookie(s: SessionState, clock: PlanClock): boolean {
  if (shouldSave(s, clock)) return needsFreshId(s, clock) || s.persistent || s.recordInCookie;
  if (shouldTouch(s, clock)) return s.persistent || s.recordInCookie;
  return false;
}

/** Make the browser drop the cookie: the loaded session is gone and no data replaces it. */
export function shouldExpireCookie(s: SessionState, clock: PlanClock): boolean {
  return shouldDestroy(s, clock) && !shouldSave(s, clock);
}

export function planCommit(s: SessionState, clock: PlanClock): CommitPlan {
  const save = shouldSave(s, clock);
  const record = save
    ? "write"
    : shouldDestroy(s, clock)
      ? "destroy"
      : shouldTouch(s, clock)
        ? "touch"
        : "nothing";
  const cookie = shouldSetCookie(s, clock) ? "set" : shouldExpireCookie(s, clock) ? "expire" : "nothing";
  return {
    record,
    freshId: save && needsFreshId(s, clock),
    dropLoaded: shouldDestroy(s, clock),
    cookie,
    expiresAt: clock.now + clock.timeoutMs,
  };
}
