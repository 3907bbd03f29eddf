import { validateHeaderName, validateHeaderValue } from "node:http";
import encodeUrl from "encodeurl";

/** What a handler receives second (DESIGN.md §2): status, headers and redirects. */
export interface Response {
  /** An integer from 200 to 599; anything else is a handler error (checked before the session is saved). */
  status: number;
  /** Any header; names are case-insensitive when sent. Names must be RFC 9110 tokens and values
   * must hold no CR, LF, NUL or character above U+00FF (checked before the session is saved). */
  headers: Record<string, string | number | string[]>;
  /** Answers with a redirect to `url` (303 See Other by default); non-ASCII characters, spaces and
   * control characters are percent-encoded (existing `%XX` escapes are kept), so CR/LF never reach
   * the Location header. */
  redirect(url: string, status?: number): void;
}

export function createResponse(): Response {
  return {
    status: 200,
    headers: {},
    redirect(url: string, status = 303) {
      this.status = status;
      this.headers.Location = encodeUrl(String(url));
    },
  };
}

/**
 * Why Node could not send this status and these headers, or undefined when it can. Statuses are
 * RFC 9110 §15's three digits, 1xx excluded (interim answers, never the final one); header names
 * and values are checked with Node's own validateHeaderName/validateHeaderValue.
 */
export function responseProblem(response: Response): string | undefined {
  const { status, headers } = response;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599)
    return `response.status must be an integer from 200 to 599, got ${describe(status)}`;
  if (typeof headers !== "object" || headers === null) return "response.headers must be an object";
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    try {
      validateHeaderName(name);
      for (const one of Array.isArray(value) ? value : [value]) {
        if (typeof one !== "string" && typeof one !== "number")
          return `header ${JSON.stringify(name)} must be a string, a number or an array of strings, got ${describe(one)}`;
        validateHeaderValue(name, String(one));
      }
    } catch (error) {
      return `invalid header ${JSON.stringify(name)}: ${(error as Error).message}`;
    }
  }
  return undefined;
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : `${String(value)} (${typeof value})`;
}

export interface Body {
  body: Buffer | string;
  type: string | undefined;
}

/** A handler's return value as bytes: string = HTML, Buffer = octet-stream, object/array = JSON. */
export function toBody(value: unknown): Body {
  if (value === undefined || value === null) return { body: "", type: undefined };
  if (typeof value === "string") return { body: value, type: "text/html; charset=utf-8" };
  if (Buffer.isBuffer(value)) return { body: value, type: "application/octet-stream" };
  if (value instanceof Uint8Array)
    return {
      body: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      type: "application/octet-stream",
    };
  if (typeof value === "object")
    return { body: JSON.stringify(value) ?? "", type: "application/json; charset=utf-8" };
  return { body: String(value), type: "text/html; charset=utf-8" };
}
