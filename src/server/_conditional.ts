/**
 * RFC 9110's conditional requests (§13) and byte ranges (§14) for a file, shared by the static handler
 * and by files a handler returns (_file-answer.ts): the order of the preconditions (§13.2.2), strong
 * comparison for If-Match and If-Range, weak comparison for If-None-Match (§8.8.3.2), and when a
 * Range header is ignored (unknown unit, invalid syntax, several ranges: a full 200) rather than
 * refused (416 only when no range overlaps the file).
 */
import type { IncomingHttpHeaders } from "node:http";

export interface Validators {
  /** A strong entity tag: `"<size>-<mtime ms>"` in hex, as nginx makes them. */
  etag: string;
  /** The modification time in whole seconds (an HTTP date has no finer unit). */
  modified: number;
}

export function validatorsOf(stat: { size: number; mtimeMs: number }): Validators {
  const mtime = Math.floor(stat.mtimeMs);
  return { etag: `"${stat.size.toString(16)}-${mtime.toString(16)}"`, modified: Math.floor(mtime / 1000) };
}

/** "proceed", or the status the preconditions answer with: 304 Not Modified or 412 (RFC 9110 §13.2.2). */
export function evaluatePreconditions(
  method: string,
  headers: IncomingHttpHeaders,
  v: Validators,
): "proceed" | 304 | 412 {
  const ifMatch = headers["if-match"];
  if (ifMatch !== undefined) {
    if (!listMatches(ifMatch, v.etag, true)) return 412;
  } else {
    const since = httpDate(headers["if-unmodified-since"]);
    if (since !== undefined && v.modified > since) return 412;
  }
  const safe = method === "GET" || method === "HEAD";
  const ifNoneMatch = headers["if-none-match"];
  if (ifNoneMatch !== undefined) {
    if (listMatches(ifNoneMatch, v.etag, false)) return safe ? 304 : 412;
  } else if (safe) {
    const since = httpDate(headers["if-modified-since"]);
    if (since !== undefined && v.modified <= since) return 304;
  }
  return "proceed";
}

export type RangeDecision =
  | { kind: "full" }
  | { kind: "partial"; start: number; end: number }
  | { kind: "unsatisfiable" };

/**
 * What a GET's Range header asks of a `size`-byte file (RFC 9110 §14.2): the full file when there is
 * none, when If-Range does not hold, when its unit is not bytes, when it is invalid or asks for more
 * than one range; a 416 only when no range overlaps the file.
 */
export function evaluateRange(
  method: string,
  headers: IncomingHttpHeaders,
  size: number,
  v: Validators,
): RangeDecision {
  const range = headers.range;
  if (method !== "GET" || range === undefined || size === 0) return { kind: "full" };
  const ifRange = headers["if-range"];
  if (ifRange !== undefined && !ifRangeHolds(String(ifRange).trim(), v)) return { kind: "full" };
  const eq = range.indexOf("=");
  if (eq === -1 || range.slice(0, eq).trim().toLowerCase() !== "bytes") return { kind: "full" };
  const specs = range.slice(eq + 1).split(",");
  const satisfiable: Array<[number, number]> = [];
  for (const spec of specs) {
    const m = /^\s*(\d*)-(\d*)\s*$/.exec(spec);
    if (!m || (m[1] === "" && m[2] === "")) return { kind: "full" };
    if (m[1] === "") {
      const suffix = Number(m[2]);
      if (suffix > 0) satisfiable.push([Math.max(0, size - suffix), size - 1]);
      continue;
    }
    const first = Number(m[1]);
    if (m[2] !== "" && Number(m[2]) < first) return { kind: "full" };
    const last = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (first < size) satisfiable.push([first, last]);
  }
  if (satisfiable.length === 0) return { kind: "unsatisfiable" };
  if (specs.length > 1) return { kind: "full" };
  return { kind: "partial", start: satisfiable[0][0], end: satisfiable[0][1] };
}

/**
 * If-Range holds when its entity tag matches strongly, or its date is exactly Last-Modified and that
 * Last-Modified is strong: at least a second before now (§13.1.5, §8.8.2.2), else the file may have
 * changed twice within that second.
 */
function ifRangeHolds(value: string, v: Validators, now = Date.now()): boolean {
  if (value.startsWith('"') || value.startsWith("W/")) return tagMatches(value, v.etag, true);
  return httpDate(value) === v.modified && v.modified < Math.floor(now / 1000);
}

/** `*` or a comma-separated list of entity tags, one of which matches `etag`. */
function listMatches(list: string, etag: string, strong: boolean): boolean {
  if (list.trim() === "*") return true;
  for (const m of list.matchAll(/(?:W\/)?"[^"]*"/g)) if (tagMatches(m[0], etag, strong)) return true;
  return false;
}

/** Strong comparison: neither tag weak and the same opaque tag; weak: the same opaque tag (§8.8.3.2). */
function tagMatches(tag: string, etag: string, strong: boolean): boolean {
  const weak = tag.startsWith("W/");
  if (strong && (weak || etag.startsWith("W/"))) return false;
  return (weak ? tag.slice(2) : tag) === (etag.startsWith("W/") ? etag.slice(2) : etag);
}

/**
 * An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, or the obsolete RFC 850 and asctime forms) in whole
 * seconds; anything else (`3000`, `yesterday`) is not one and the header is ignored, as §13.1.3 says.
 */
const HTTP_DATE =
  /^(?:[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

function httpDate(value: string | undefined): number | undefined {
  if (value === undefined || !HTTP_DATE.test(value.trim())) return undefined;
  // asctime has no zone and is GMT; Date.parse would read it as local time.
  const ms = Date.parse(value.trim().endsWith("GMT") ? value : `${value} GMT`);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
