import { CherryError } from "../errors.js";
import type { SessionData } from "./store.js";

export interface Serialized {
  data: SessionData;
  json: string;
}

/**
 * JSON for every store but ram (DESIGN.md §3 rule 6), built key by key so that a value that cannot
 * be stored fails with its key named instead of vanishing silently.
 */
export function serializeSession(entries: Iterable<[string, unknown]>): Serialized {
  const parts: string[] = [];
  const data: SessionData = {};
  for (const [key, value] of entries) {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (error) {
      throw badValue(key, (error as Error).message);
    }
    if (json === undefined) throw badValue(key, `a ${typeof value} has no JSON form`);
    parts.push(`${JSON.stringify(key)}:${json}`);
    data[key] = value;
  }
  return { data, json: `{${parts.join(",")}}` };
}

function badValue(key: string, why: string): CherryError {
  return new CherryError(
    "E_SESSION_VALUE",
    `session value "${key}" cannot be stored: ${why} (this store keeps JSON: strings, numbers, booleans, null, arrays and plain objects)`,
  );
}
