/**
 * What a SessionMap shares with the request that made it (request-session.ts): the data, and
 * whether the handler looked at it or wrote to it. Kept out of SessionMap's public shape (and so out
 * of the emitted .d.ts): the map holds it in a private field, the request keeps its own reference.
 */
export interface MapState {
  readonly data: Map<string, unknown>;
  /** The handler read or wrote the map (the response then carries `Vary: Cookie`). */
  used: boolean;
  /**
   * A set, delete or clear that altered the map by SameValue (a set of the value already held is
   * none). Stores that keep JSON judge changes by the serialized text instead (see _commit-plan.ts).
   */
  written: boolean;
}

export function mapState(entries: Iterable<[string, unknown]>): MapState {
  return { data: new Map(entries), used: false, written: false };
}
