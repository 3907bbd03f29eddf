/**
 * Ids that regenerate() or destroy() removed, remembered for the span of a race (the manager keeps
 * them a minute), so that a request still carrying one (it raced the login or logout, or waited
 * behind it) neither starts a new session over it nor writes to it (README "Sessions"). Bounded:
 * past `limit` entries the oldest are forgotten first; such a late request then gets an ordinary
 * fresh session, as it does once the minute is over (a browser that kept a stale cookie is never
 * stuck without a session for longer).
 */
export class Tombstones {
  /** id -> until when (epoch ms); a Map keeps insertion order, so the oldest comes first. */
  private readonly ids = new Map<string, number>();

  constructor(private readonly limit = 10_000) {}

  get size(): number {
    return this.ids.size;
  }

  add(id: string, until: number): void {
    this.ids.delete(id);
    this.ids.set(id, until);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.keys().next().value as string);
  }

  has(id: string, now: number): boolean {
    if (this.ids.size === 0) return false;
    const until = this.ids.get(id);
    if (until === undefined) return false;
    if (until > now) return true;
    this.ids.delete(id);
    return false;
  }
}
