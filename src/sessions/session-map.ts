import { CherryError } from "../errors.js";
import type { MapState } from "./_map-state.js";

/** The id key of CherryPy 0.10: `sessionMap.get("_sessionId")` returns the session's id. */
export const SESSION_ID_KEY = "_sessionId";

/**
 * `request.sessionMap`: the session's dictionary (docs/contract.md §2). Reading the id or any key marks the
 * session as used (for `Vary: Cookie`); writing marks it changed.
 */
export class SessionMap {
  readonly #state: MapState;
  readonly #id: () => string;

  /** @internal `state` is shared with the request that owns this map (see _map-state.ts). */
  constructor(state: MapState, id: () => string) {
    this.#state = state;
    this.#id = id;
  }

  // biome-ignore lint/suspicious/noExplicitAny: session values are whatever the app stored
  get<T = any>(key: string, fallback?: T): T {
    const state = this.#state;
    state.used = true;
    if (key === SESSION_ID_KEY) return this.#id() as T;
    return (state.data.has(key) ? state.data.get(key) : fallback) as T;
  }

  /** Storing the value a key already holds (SameValue) is no change: the session is only touched. */
  set(key: string, value: unknown): this {
    if (key === SESSION_ID_KEY)
      throw new TypeError(`"${SESSION_ID_KEY}" is the session id and cannot be set`);
    const state = this.#state;
    state.used = true;
    if (!state.written && (!state.data.has(key) || !Object.is(state.data.get(key), value)))
      state.written = true;
    state.data.set(key, value);
    return this;
  }

  delete(key: string): boolean {
    const state = this.#state;
    state.used = true;
    const had = state.data.delete(key);
    if (had) state.written = true;
    return had;
  }

  has(key: string): boolean {
    this.#state.used = true;
    return this.#state.data.has(key);
  }

  clear(): void {
    const state = this.#state;
    state.used = true;
    if (state.data.size > 0) state.written = true;
    state.data.clear();
  }

  keys(): IterableIterator<string> {
    this.#state.used = true;
    return this.#state.data.keys();
  }

  entries(): IterableIterator<[string, unknown]> {
    this.#state.used = true;
    return this.#state.data.entries();
  }

  get size(): number {
    this.#state.used = true;
    return this.#state.data.size;
  }

  [Symbol.iterator](): IterableIterator<[string, unknown]> {
    return this.entries();
  }

  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this.#state.data);
  }
}

const DISABLED = "sessions are not enabled: set [session] storageType in RootServer.cfg";

function disabled(): never {
  throw new CherryError("E_SESSIONS_DISABLED", DISABLED);
}

/** What `request.sessionMap` is when storageType is "": any use throws the same clear error. */
export const DISABLED_SESSION_MAP: SessionMap = new Proxy(Object.create(SessionMap.prototype), {
  get: (_target, prop) => (prop === "then" || typeof prop === "symbol" ? undefined : disabled()),
  set: disabled,
});
