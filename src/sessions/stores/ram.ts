import type { PurgeOptions, PurgeResult, SessionListing, SessionStore, StoredSession } from "../store.js";

/**
 * Process memory. Values are kept as they are (any value, no JSON rules), so nested objects are the
 * same objects on the next request. Lost on restart; survives code reloads because the dev server
 * keeps the store outside the part that reloads.
 */
export class RamStore implements SessionStore {
  readonly keepsObjects = true;
  private readonly sessions = new Map<string, StoredSession>();

  get(id: string): StoredSession | undefined {
    return this.sessions.get(id);
  }

  set(id: string, session: StoredSession): void {
    this.sessions.set(id, session);
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  touch(id: string, expiresAt: number): void {
    const session = this.sessions.get(id);
    if (session) session.expiresAt = expiresAt;
  }

  async *list(): AsyncIterable<SessionListing> {
    for (const [id, s] of this.sessions) {
      yield { id, expiresAt: s.expiresAt, bytes: approximateBytes(s.data), data: s.data };
    }
  }

  purge({ now, all, dryRun }: PurgeOptions): PurgeResult {
    let removed = 0;
    for (const [id, s] of this.sessions) {
      if (all || s.expiresAt <= now) {
        removed++;
        if (!dryRun) this.sessions.delete(id);
      }
    }
    return { removed, kept: this.sessions.size - (dryRun ? removed : 0), unreadable: 0 };
  }
}

function approximateBytes(data: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(data) ?? "");
  } catch {
    return 0;
  }
}
