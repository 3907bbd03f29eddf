import { LRUCache } from "lru-cache";
import type { SessionConfig } from "../../config/types.js";
import { CherryError } from "../../errors.js";
import type { PurgeOptions, PurgeResult, SessionListing, SessionStore, StoredSession } from "../store.js";
import { storeDescriptor } from "./_descriptor.js";
import { estimateBytes } from "./_size.js";

/** `[session] ramMaxSessions` and `ramMaxBytes`: what one process may hold before the least recently used go. */
export interface RamLimits {
  /** Sessions kept at most. */
  maxSessions: number;
  /** Bytes of session data kept at most, estimated as their JSON size (see _size.ts). */
  maxBytes: number;
}

interface Entry extends StoredSession {
  bytes: number;
}

/**
 * Process memory. Values are kept as they are (any value, no JSON rules), so nested objects are the
 * same objects on the next request. Lost on restart; survives code reloads because the dev server
 * keeps the store outside the part that reloads.
 *
 * Bounded, so a flood of new visitors cannot grow the process without end: a save that takes the
 * store over `limits` removes the least recently used sessions (a read, save or touch is a use) until
 * it fits. The recency list is lru-cache's (README, "Dependencies"): it moves an entry in O(1) without
 * allocating, where a Map re-inserted on every read cost 6–11 µs per read and save of 50 sessions
 * against 0.3 µs unbounded. Evictions are counted and reported once per sweep (`PurgeResult.note`),
 * not once per eviction.
 */
export class RamStore implements SessionStore {
  readonly keepsObjects = true;
  private sessions: LRUCache<string, Entry>;
  private evicted = 0;
  private bounds: RamLimits;

  constructor(limits: RamLimits = DEFAULT_RAM_LIMITS) {
    this.bounds = limits;
    this.sessions = this.cache(limits);
  }

  /** The bounds in force. Setting them (a config reload) keeps the most recently used sessions that fit. */
  get limits(): RamLimits {
    return this.bounds;
  }

  set limits(limits: RamLimits) {
    if (limits.maxSessions === this.bounds.maxSessions && limits.maxBytes === this.bounds.maxBytes) return;
    const next = this.cache(limits);
    // Oldest first, so the newest are the ones the new bounds keep and the order of use stays.
    for (const [id, entry] of this.oldestFirst()) next.set(id, entry, { size: sizeOf(entry) });
    this.bounds = limits;
    this.sessions = next;
  }

  get(id: string): StoredSession | undefined {
    return this.sessions.get(id);
  }

  /** Throws E_SESSION_TOO_LARGE for one session over maxBytes on its own (nothing else is evicted for it). */
  set(id: string, session: StoredSession): void {
    const bytes = estimateBytes(session.data);
    if (bytes > this.bounds.maxBytes) {
      throw new CherryError(
        "E_SESSION_TOO_LARGE",
        `[store:ram] this session holds about ${bytes} bytes, over [session] ramMaxBytes = ${this.bounds.maxBytes}: store less in it or raise ramMaxBytes`,
      );
    }
    const entry: Entry = { data: session.data, expiresAt: session.expiresAt, bytes };
    this.sessions.set(id, entry, { size: sizeOf(entry) });
  }

  /** set() for a session still held; false, storing nothing, for one removed or evicted meanwhile. */
  update(id: string, session: StoredSession): boolean {
    if (!this.sessions.has(id)) return false;
    this.set(id, session);
    return true;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  touch(id: string, expiresAt: number): void {
    const entry = this.sessions.get(id);
    if (entry) entry.expiresAt = expiresAt;
  }

  async *list(): AsyncIterable<SessionListing> {
    for (const [id, s] of this.oldestFirst())
      yield { id, expiresAt: s.expiresAt, bytes: s.bytes, data: s.data };
  }

  purge({ now, all, dryRun }: PurgeOptions): PurgeResult {
    let removed = 0;
    // The ids are collected first: deleting while iterating would skip some.
    const gone: string[] = [];
    for (const [id, s] of this.oldestFirst()) if (all || s.expiresAt <= now) gone.push(id);
    removed = gone.length;
    if (!dryRun) for (const id of gone) this.sessions.delete(id);
    const result: PurgeResult = {
      removed,
      kept: this.sessions.size - (dryRun ? removed : 0),
      unreadable: 0,
    };
    if (this.evicted > 0) {
      result.note = `[store:ram] ${this.evicted} least recently used session(s) removed since the last sweep to stay within ramMaxSessions = ${this.bounds.maxSessions} and ramMaxBytes = ${this.bounds.maxBytes}`;
      this.evicted = 0;
    }
    return result;
  }

  /** Sessions held and their estimated bytes (for tests and `sessions` statistics). */
  get size(): { sessions: number; bytes: number } {
    return { sessions: this.sessions.size, bytes: this.sessions.calculatedSize };
  }

  /** Every entry, least recently used first, without counting as a use. */
  private *oldestFirst(): Generator<[string, Entry]> {
    for (const id of this.sessions.rkeys()) {
      const entry = this.sessions.peek(id);
      if (entry) yield [id, entry];
    }
  }

  private cache(limits: RamLimits): LRUCache<string, Entry> {
    return new LRUCache<string, Entry>({
      max: limits.maxSessions,
      maxSize: limits.maxBytes,
      dispose: (_entry, _id, reason) => {
        if (reason === "evict") this.evicted++;
      },
    });
  }
}

/** lru-cache's size of an entry: its data's estimated bytes (lru-cache refuses 0; data is an object, so ≥ 2). */
function sizeOf(entry: Entry): number {
  return Math.max(1, entry.bytes);
}

/** The defaults of ramMaxSessions and ramMaxBytes (config/schema.ts documents them). */
export const DEFAULT_RAM_LIMITS: RamLimits = { maxSessions: 50_000, maxBytes: 32 * 1024 * 1024 };

/** The ram store's bounds from `[session] ramMaxSessions` and `ramMaxBytes`. */
export function ramLimits(session: SessionConfig): RamLimits {
  return { maxSessions: session.ramMaxSessions, maxBytes: session.ramMaxBytes };
}

/** Built from no key: RAM sessions survive every config edit that keeps storageType = ram. */
export const descriptor = storeDescriptor({
  name: "ram",
  keys: [],
  tune: {
    keys: ["session.ramMaxSessions", "session.ramMaxBytes"],
    apply(store: RamStore, config) {
      store.limits = ramLimits(config.session);
    },
  },
  sharing: "process",
  validate(config, { report, sharedStores }) {
    if (config.server.processPool > 1) {
      report(
        "server.processPool",
        `RAM sessions do not work across processes (expected 1 with storageType = ram, got "${config.server.processPool}"); use one of ${sharedStores.join(", ")}`,
      );
    }
  },
  open: async (config) => ({ store: new RamStore(ramLimits(config.session)) }),
  init: { lines: ["storageType = ram"] },
  notAdministrable:
    "RAM sessions live inside the running server process: nothing outside it can list or purge them",
});
