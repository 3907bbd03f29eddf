import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { parse as parseCookies } from "cookie";
import type { Session } from "../sessions/manager.js";
import type { SessionMap } from "../sessions/session-map.js";
import type { Params } from "./_body.js";

/** What a handler receives first (DESIGN.md §2). */
export interface Request {
  readonly method: string;
  /** The URL path, percent-encoded as received, without the query string. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Query string and urlencoded or JSON body fields, merged (0.10 passed them as keyword arguments). */
  // biome-ignore lint/suspicious/noExplicitAny: fields are whatever the client sent
  readonly params: Record<string, any>;
  readonly cookies: Readonly<Record<string, string | undefined>>;
  /** The raw body (empty for GET). */
  readonly body: Buffer;
  /** True when the request came over HTTPS. */
  readonly secure: boolean;
  /** The session's dictionary; throws "sessions are not enabled" when storageType is "". */
  readonly sessionMap: SessionMap;
  readonly session: Session;
  /** Node's request, for what cherry does not wrap. */
  readonly raw: IncomingMessage;
}

export function createRequest(
  raw: IncomingMessage,
  path: string,
  params: Params,
  body: Buffer,
  secure: boolean,
  sessionMap: SessionMap,
  session: Session,
): Request {
  let cookies: Record<string, string | undefined> | undefined;
  return {
    method: raw.method ?? "GET",
    path,
    headers: raw.headers,
    params,
    get cookies() {
      cookies ??= raw.headers.cookie ? safeParse(raw.headers.cookie) : {};
      return cookies;
    },
    body,
    secure,
    sessionMap,
    session,
    raw,
  };
}

function safeParse(header: string): Record<string, string | undefined> {
  try {
    return parseCookies(header);
  } catch {
    return {};
  }
}
