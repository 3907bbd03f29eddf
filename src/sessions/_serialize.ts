import { CherryError } from "../errors.js";
import type { SessionData } from "./store.js";

export interface Serialized {
  data: SessionData;
  json: string;
}

/**
 * JSON for every store but ram (docs/contract.md §3 rule 6), built key by key so that a value that cannot
 * be stored fails with its key named instead of vanishing silently. Keys come out in the order
 * JSON.parse gives them back (integer-like keys first, ascending, as for any JS object), so a
 * session read and written again unchanged yields the same text: changes are judged on that text.
 */
export function serializeSession(entries: Iterable<[string, unknown]>): Serialized {
  const parts: string[] = [];
  let indexed: [number, string][] | undefined;
  const data: SessionData = {};
  for (const [key, value] of entries) {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (error) {
      throw badValue(key, (error as Error).message);
    }
    if (json === undefined) throw badValue(key, `a ${typeof value} has no JSON form`);
    const part = `${JSON.stringify(key)}:${json}`;
    if (!isArrayIndex(key)) parts.push(part);
    else if (indexed) indexed.push([Number(key), part]);
    else indexed = [[Number(key), part]];
    data[key] = value;
  }
  if (indexed) parts.unshift(...indexed.sort((a, b) => a[0] - b[0]).map(([, part]) => part));
  return { data, json: `{${parts.join(",")}}` };
}

/** Keys a JS object keeps first, in ascending order (ECMA-262 OrdinaryOwnPropertyKeys). */
function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295;
}

function badValue(key: string, why: string): CherryError {
  return new CherryError(
    "E_SESSION_VALUE",
    `session value "${key}" cannot be stored: ${why} (this store keeps JSON: strings, numbers, booleans, null, arrays and plain objects)`,
  );
}
