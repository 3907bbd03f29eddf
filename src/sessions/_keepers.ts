/**
 * One small interface for every backend kind (a server-side store, or the sealed cookie), so the
 * manager and the request's session never ask which kind they hold: a keeper reads the session a
 * cookie value names, writes, touches and removes records, and says what the cookie carries.
 */

import type { SessionConfig } from "../config/types.js";
import { CherryError } from "../errors.js";
import { sessionCookie } from "./_cookie-header.js";
import { isSessionId } from "./ids.js";
import type { SessionStore, StoredSession } from "./store.js";
import { COOKIE_LIMIT, type CookieSealer } from "./stores/cookie.js";

type Awaitable<T> = T | Promise<T>;

/**
 * A record as read: a store's StoredSession as it is (no copy, no extra promise on the hot path),
 * or a sealed one, which also carries its id and whether it must be resealed.
 */
export interface ReadSession extends StoredSession {
  /** The id inside a sealed cookie; undefined for a store, where the cookie value is the id. */
  readonly sealedId?: string;
  /** Write it back even if unchanged (sealed with a retired key). */
  readonly rewrite?: boolean;
}

export interface RecordKeeper {
  /** Several requests see one record (a server-side store): lock them and group their writes. */
  readonly shared: boolean;
  /** Values are kept as they are (ram): no JSON rules, changes judged by SameValue. */
  readonly keepsObjects: boolean;
  /** A write costs I/O: requests queued on one session share one (group commit). */
  readonly groupsWrites: boolean;
  /** The record travels in the cookie: every write or touch sends the cookie. */
  readonly recordInCookie: boolean;
  /** The session a cookie value names (possibly expired), or undefined; never throws for bad values. */
  read(value: string): Awaitable<ReadSession | undefined>;
  /** Stores a session under a fresh id. */
  create(id: string, session: StoredSession): Awaitable<void>;
  /** Rewrites a loaded session; false when its record is gone (then nothing is written). */
  update(id: string, session: StoredSession): Awaitable<boolean>;
  touch(id: string, session: StoredSession): Awaitable<void>;
  remove(id: string): Awaitable<void>;
  /** The Set-Cookie line that carries the session. Throws E_SESSION_TOO_LARGE. */
  cookie(config: SessionConfig, id: string, session: StoredSession, secure: boolean, maxAge?: number): string;
  readonly store?: SessionStore;
}

/** A server-side store: the cookie carries the id. */
export class StoreKeeper implements RecordKeeper {
  readonly shared = true;
  readonly recordInCookie = false;
  readonly keepsObjects: boolean;
  readonly groupsWrites: boolean;

  constructor(readonly store: SessionStore) {
    this.keepsObjects = store.keepsObjects ?? false;
    // A store that keeps objects lives in this process's memory: a write is a Map.set.
    this.groupsWrites = !this.keepsObjects;
  }

  read(value: string): Awaitable<ReadSession | undefined> {
    return isSessionId(value) ? this.store.get(value) : undefined;
  }

  create(id: string, session: StoredSession): Awaitable<void> {
    return this.store.set(id, session);
  }

  update(id: string, session: StoredSession): Awaitable<boolean> {
    if (this.store.update) return this.store.update(id, session);
    return (async () => {
      if (!(await this.store.get(id))) return false;
      await this.store.set(id, session);
      return true;
    })();
  }

  touch(id: string, session: StoredSession): Awaitable<void> {
    if (this.store.touch) return this.store.touch(id, session.expiresAt);
    return (async () => {
      await this.update(id, session);
    })();
  }

  remove(id: string): Awaitable<void> {
    return this.store.destroy(id);
  }

  cookie(
    config: SessionConfig,
    id: string,
    _session: StoredSession,
    secure: boolean,
    maxAge?: number,
  ): string {
    return sessionCookie(config, id, secure, maxAge);
  }
}

/** The sealed cookie store: the record is the cookie, so writing it is sending it. */
export class SealedKeeper implements RecordKeeper {
  readonly shared = false;
  readonly keepsObjects = false;
  readonly groupsWrites = false;
  readonly recordInCookie = true;

  constructor(private readonly sealer: CookieSealer) {}

  read(value: string): ReadSession | undefined {
    const opened = this.sealer.open(value);
    if (!opened || !isSessionId(opened.id)) return undefined;
    return { data: opened.data, expiresAt: opened.expiresAt, sealedId: opened.id, rewrite: opened.stale };
  }

  create(): void {}

  update(): boolean {
    return true;
  }

  touch(): void {}

  remove(): void {}

  cookie(
    config: SessionConfig,
    id: string,
    session: StoredSession,
    secure: boolean,
    maxAge?: number,
  ): string {
    const sealed = this.sealer.seal({ id, data: session.data, expiresAt: session.expiresAt }, session.json);
    const header = sessionCookie(config, sealed, secure, maxAge);
    if (header.length > COOKIE_LIMIT) {
      throw new CherryError(
        "E_SESSION_TOO_LARGE",
        `the session cookie would be ${header.length} bytes, over the ${COOKIE_LIMIT} browsers keep: store less in the session or use a server-side store (storageType = sqlite, file or redis)`,
      );
    }
    return header;
  }
}
