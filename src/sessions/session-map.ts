import { CherryError } from "../errors.js";

/** The id key of CherryPy 0.10: `sessionMap.get("_sessionId")` returns the session's id. */
export const SESSION_ID_KEY = "_sessionId";

/**
 * `request.sessionMap`: the session's dictionary (DESIGN.md §2). Reading the id or any key marks the
 * session as used (for `Vary: Cookie`); writing marks it changed.
 */
export class SessionMap {
  /** @internal */ readonly _data: Map<string, unknown>;
  /** @internal */ _used = false;
  /** @internal */ _changed = false;
  readonly #id: () => string;

  /** @internal */
  constructor(data: Iterable<[string, unknown]>, id: () => string) {
    this._data = new Map(data);
    this.#id = id;
  }

  // biome-ignore lint/suspicious/noExplicitAny: session values are whatever the app stored
  get<T = any>(key: string, fallback?: T): T {
    this._used = true;
    if (key === SESSION_ID_KEY) return this.#id() as T;
    return (this._data.has(key) ? this._data.get(key) : fallback) as T;
  }

  set(key: string, value: unknown): this {
    if (key === SESSION_ID_KEY)
      throw new TypeError(`"${SESSION_ID_KEY}" is the session id and cannot be set`);
    this._used = true;
    this._changed = true;
    this._data.set(key, value);
    return this;
  }

  delete(key: string): boolean {
    this._used = true;
    const had = this._data.delete(key);
    if (had) this._changed = true;
    return had;
  }

  has(key: string): boolean {
    this._used = true;
    return this._data.has(key);
  }

  clear(): void {
    this._used = true;
    if (this._data.size > 0) this._changed = true;
    this._data.clear();
  }

  keys(): IterableIterator<string> {
    this._used = true;
    return this._data.keys();
  }

  entries(): IterableIterator<[string, unknown]> {
    this._used = true;
    return this._data.entries();
  }

  get size(): number {
    this._used = true;
    return this._data.size;
  }

  [Symbol.iterator](): IterableIterator<[string, unknown]> {
    return this.entries();
  }

  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this._data);
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
