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
 * Bounded, so a flood of new visitors cannot grow the process without end: a Map kept in order of
 * use (a read or touch moves a session to the end), and a save that takes the store over `limits`
 * removes sessions from the front, the least recently used, until it fits. Evictions are counted and
 * reported once per sweep (`PurgeResult.note`), not once per eviction.
 */
export class RamStore implements SessionStore {
  readonly keepsObjects = true;
  private readonly sessions = new Map<string, Entry>();
  private bytes = 0;
  private evicted = 0;

  /** Read at each save: the dev server sets new limits on a config reload. */
  constructor(public limits: RamLimits = DEFAULT_RAM_LIMITS) {}

  get(id: string): StoredSession | undefined {
    const entry = this.sessions.get(id);
    if (entry) this.use(id, entry);
    return entry;
  }

  /** Throws E_SESSION_TOO_LARGE for one session over maxBytes on its own (nothing else is evicted for it). */
  set(id: string, session: StoredSession): void {
    const bytes = estimateBytes(session.data);
    if (bytes > this.limits.maxBytes) {
      throw new CherryError(
        "E_SESSION_TOO_LARGE",
        `[store:ram] this session holds about ${bytes} bytes, over [session] ramMaxBytes = ${this.limits.maxBytes}: store less in it or raise ramMaxBytes`,
      );
    }
    this.remove(id);
    this.sessions.set(id, { ...session, bytes });
    this.bytes += bytes;
    this.evict(id);
  }

  /** set() for a session still held; false, storing nothing, for one removed or evicted meanwhile. */
  update(id: string, session: StoredSession): boolean {
    if (!this.sessions.has(id)) return false;
    this.set(id, session);
    return true;
  }

  destroy(id: string): void {
    this.remove(id);
  }

  touch(id: string, expiresAt: number): void {
    const entry = this.sessions.get(id);
    if (!entry) return;
    entry.expiresAt = expiresAt;
    this.use(id, entry);
  }

  async *list(): AsyncIterable<SessionListing> {
    for (const [id, s] of this.sessions) yield { id, expiresAt: s.expiresAt, bytes: s.bytes, data: s.data };
  }

  purge({ now, all, dryRun }: PurgeOptions): PurgeResult {
    let removed = 0;
    for (const [id, s] of this.sessions) {
      if (all || s.expiresAt <= now) {
        removed++;
        if (!dryRun) this.remove(id);
      }
    }
    const result: PurgeResult = {
      removed,
      kept: this.sessions.size - (dryRun ? removed : 0),
      unreadable: 0,
    };
    if (this.evicted > 0) {
      result.note = `[store:ram] ${this.evicted} least recently used session(s) removed since the last sweep to stay within ramMaxSessions = ${this.limits.maxSessions} and ramMaxBytes = ${this.limits.maxBytes}`;
      this.evicted = 0;
    }
    return result;
  }

  /** Sessions held and their estimated bytes (for tests and `sessions` statistics). */
  get size(): { sessions: number; bytes: number } {
    return { sessions: this.sessions.size, bytes: this.bytes };
  }

  private use(id: string, entry: Entry): void {
    this.sessions.delete(id);
    this.sessions.set(id, entry);
  }

  private remove(id: string): void {
    const entry = this.sessions.get(id);
    if (!entry) return;
    this.sessions.delete(id);
    this.bytes -= entry.bytes;
  }

  /** Removes the least recently used until within the limits; `keep` (just saved) is the last to go, never. */
  private evict(keep: string): void {
    const { maxSessions, maxBytes } = this.limits;
    for (const id of this.sessions.keys()) {
      if (this.sessions.size <= maxSessions && this.bytes <= maxBytes) return;
      if (id === keep) continue;
      this.remove(id);
      this.evicted++;
    }
  }
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
