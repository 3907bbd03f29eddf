/**
 * One request's view of its session: `request.sessionMap` and `request.session`, loaded by
 * SessionManager.begin() before the handler, saved by commit() after it and before the response.
 */
import { CherryError } from "../errors.js";
import { expiredCookie, sessionCookie } from "./_cookie-header.js";
import { serializeSession } from "./_serialize.js";
import { storeError } from "./_store-error.js";
import { newSessionId } from "./ids.js";
import type { CommitResult, Session, SessionManager } from "./manager.js";
import { SessionMap } from "./session-map.js";
import type { StoredSession } from "./store.js";
import { COOKIE_LIMIT } from "./stores/cookie.js";

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
          try {
            await manager.destroyGrouped(id);
          } finally {
            release?.();
          }
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
    const sealed =
      backend.sealer?.seal({ id: this.id, data: serialized.data, expiresAt }, serialized.json) ?? "";
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
