/** Outgoing headers as a record whose names are matched case-insensitively, as HTTP matches them. */
export type OutgoingHeaders = Record<string, string | number | string[]>;

export function findHeader(headers: OutgoingHeaders, name: string): string | undefined {
  for (const key in headers) if (key.toLowerCase() === name) return String(headers[key]);
  return undefined;
}

export function appendHeader(headers: OutgoingHeaders, name: string, value: string): void {
  const lower = name.toLowerCase();
  let key = name;
  for (const k in headers) {
    if (k.toLowerCase() === lower) {
      key = k;
      break;
    }
  }
  const previous = headers[key];
  if (previous === undefined) headers[key] = value;
  else headers[key] = Array.isArray(previous) ? [...previous, value] : [String(previous), value];
}

/** Sets `name` to `value`, replacing any header of that name in whatever case it was set. */
export function setHeader(headers: OutgoingHeaders, name: string, value: string | number | string[]): void {
  const lower = name.toLowerCase();
  for (const k in headers) if (k.toLowerCase() === lower) delete headers[k];
  headers[name] = value;
}

/**
 * The body's framing (RFC 9112 §6): how many bytes the body has or how it is chunked. Only cherry
 * sets them, from what it sends; two lengths that disagree are how requests are smuggled (RFC 9112
 * §6.3, §11.2).
 */
export const FRAMING_HEADERS: ReadonlySet<string> = new Set(["content-length", "transfer-encoding"]);

/** A copy of a handler's headers without the framing ones, in whatever case they were set. */
export function withoutFraming(headers: OutgoingHeaders): OutgoingHeaders {
  const out: OutgoingHeaders = {};
  for (const name in headers) if (!FRAMING_HEADERS.has(name.toLowerCase())) out[name] = headers[name];
  return out;
}
