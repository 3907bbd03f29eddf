/**
 * One request's view of its session: `request.sessionMap` and `request.session`, opened by the
 * manager before the handler; commit() after it judges what changed (by value), plans the end of
 * the request (_commit-plan.ts) and hands the plan to the manager's finish(). It knows the manager
 * only through SessionContext, so the two files do not import each other.
 */
import type { SessionConfig } from "../config/types.js";
import { type CommitPlan, planCommit, type SessionState } from "./_commit-plan.js";
import { expiredCookie } from "./_cookie-header.js";
import type { RecordKeeper } from "./_keepers.js";
import { type MapState, mapState } from "./_map-state.js";
import { serializeSession } from "./_serialize.js";
import { newSessionId } from "./ids.js";
import { SessionMap } from "./session-map.js";
import type { StoredSession } from "./store.js";

/** `request.session` (docs/contract.md §2). */
export interface Session {
  readonly id: string;
  readonly isNew: boolean;
  /** New id, data kept, old record gone (call it on login against session fixation). */
  regenerate(): void;
  /** Record gone, cookie expired. */
  destroy(): void;
}

export interface CommitResult {
  setCookie?: string;
  vary: boolean;
}

/** A live session the manager opened for this request, with its lock when locking is on. */
export interface Opened {
  id: string;
  stored: StoredSession;
  /** Write it back even if unchanged (sealed with a retired key). */
  rewrite: boolean;
  release?: () => void;
}

/** What a request's session needs of the manager. */
export interface SessionContext {
  readonly config: SessionConfig;
  readonly keeper: RecordKeeper | undefined;
  readonly now: () => number;
  readonly timeoutMs: number;
  readonly touchEveryMs: number;
  finish(
    loaded: Opened | undefined,
    plan: CommitPlan | undefined,
    id: string,
    next: StoredSession | undefined,
  ): boolean | Promise<boolean>;
}

export class RequestSession implements Session {
  readonly map: SessionMap;
  private readonly state: MapState;
  private currentId: string | undefined;
  /** The loaded data as JSON (stores that keep JSON): a change is a different text. */
  private readonly loadedJson: string | undefined;
  private regenerated = false;
  private destroyed = false;
  private handleUsed = false;
  private settled = false;

  /**
   * `superseded`: the request carried an id that regenerate() or destroy() removed meanwhile; it
   * sees an empty new session whose writes are dropped and which sends no cookie.
   */
  constructor(
    private readonly context: SessionContext,
    private readonly secure: boolean,
    private readonly loaded: Opened | undefined,
    private readonly superseded: boolean,
  ) {
    this.currentId = loaded?.id;
    const stored = loaded?.stored;
    this.state = mapState(stored ? Object.entries(stored.data) : []);
    const keepsObjects = context.keeper?.keepsObjects ?? false;
    this.loadedJson = stored && !keepsObjects ? (stored.json ?? JSON.stringify(stored.data)) : undefined;
    this.map = new SessionMap(this.state, () => this.id);
  }

  get id(): string {
    this.handleUsed = true;
    this.currentId ??= newSessionId();
    return this.currentId;
  }

  get isNew(): boolean {
    this.handleUsed = true;
    return this.loaded === undefined || this.regenerated || this.destroyed;
  }

  regenerate(): void {
    this.handleUsed = true;
    this.regenerated = true;
    this.currentId = newSessionId();
  }

  destroy(): void {
    this.handleUsed = true;
    this.destroyed = true;
    this.state.data.clear();
    this.currentId = undefined;
  }

  /** Saves nothing (the handler threw or answered 5xx) and releases the lock. */
  abandon(): void {
    if (this.settled) return;
    this.settled = true;
    // Earlier requests of a group may wait for a write this one was to make: finish makes it.
    try {
      const done = this.context.finish(this.loaded, undefined, "", undefined);
      if (done instanceof Promise) done.catch(() => undefined);
    } catch {
      // Failing to write what earlier requests of the group left fails those requests, not this one.
    }
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
    const { context, state, loaded } = this;
    const { config } = context;
    const keeper = context.keeper;
    const vary = state.used || this.handleUsed;
    if (!keeper) return { vary };
    const hasData = state.data.size > 0;
    let serialized: { data: Record<string, unknown>; json?: string } | undefined;
    // A handler that never looked at the session cannot have changed it: no need to serialize.
    const looked = state.used || this.regenerated || this.destroyed;
    if (hasData && looked) {
      serialized = keeper.keepsObjects
        ? { data: Object.fromEntries(state.data) }
        : serializeSession(state.data);
    }
    // A change is a change of value (express-session compares the serialized session): JSON stores
    // compare the text; ram (any value, kept by reference) compares each key's value by SameValue.
    const changed = keeper.keepsObjects
      ? this.destroyed || (state.written && !(loaded && sameEntries(state.data, loaded.stored.data)))
      : this.destroyed || (looked && (serialized?.json ?? "{}") !== this.loadedJson);
    const session: SessionState = {
      loadedExpiresAt: loaded?.stored.expiresAt,
      superseded: this.superseded,
      hasData,
      changed,
      rewrite: loaded?.rewrite ?? false,
      regenerated: this.regenerated,
      destroyed: this.destroyed,
      failed: false,
      persistent: config.cookiePersistent,
      recordInCookie: keeper.recordInCookie,
    };
    const timeoutMs = context.timeoutMs;
    const plan = planCommit(session, { now: context.now(), timeoutMs, touchEveryMs: context.touchEveryMs });
    if (plan.record === "nothing" && plan.cookie === "nothing") return { vary };

    let next: StoredSession | undefined;
    if (plan.record === "write" || plan.record === "touch") {
      // Unchanged data is the loaded data: write (or reseal) that, already serialized.
      const data = changed || !loaded ? serialized : { data: loaded.stored.data, json: this.loadedJson };
      next = { data: data?.data ?? {}, json: data?.json, expiresAt: plan.expiresAt };
    }
    const id = plan.freshId ? this.id : (loaded?.id ?? this.id);
    const maxAge = config.cookiePersistent ? Math.round(timeoutMs / 1000) : undefined;
    // Built before anything is written: a sealed cookie that is too large fails the request cleanly.
    const cookie =
      plan.cookie === "set" && next ? keeper.cookie(config, id, next, this.secure, maxAge) : undefined;
    this.settled = true;
    const done = context.finish(loaded, plan, id, next);
    const kept = done instanceof Promise ? await done : done;
    if (plan.cookie === "expire") return { vary, setCookie: expiredCookie(config, this.secure) };
    return { vary, setCookie: kept ? cookie : undefined };
  }
}

/** The map holds exactly the loaded keys, each with the very same value (SameValue). */
function sameEntries(data: Map<string, unknown>, loaded: Record<string, unknown>): boolean {
  const keys = Object.keys(loaded);
  if (keys.length !== data.size) return false;
  for (const key of keys) if (!data.has(key) || !Object.is(data.get(key), loaded[key])) return false;
  return true;
}
