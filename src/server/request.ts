import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { parse as parseCookies } from "cookie";
import type { Session } from "../sessions/manager.js";
import type { SessionMap } from "../sessions/session-map.js";
import type { Params } from "./_body.js";
import type { UploadedFile } from "./upload.js";

/** What a handler receives first (docs/contract.md §2). */
export interface Request {
  readonly method: string;
  /** The URL path, percent-encoded as received, without the query string. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /**
   * Query string and urlencoded, multipart/form-data or JSON body fields, merged, a body field replacing
   * a query field of the same name (0.10 passed them as keyword arguments). A repeated name gives an
   * array. An uploaded file is an UploadedFile under its field's name.
   */
  // biome-ignore lint/suspicious/noExplicitAny: fields are whatever the client sent
  readonly params: Record<string, any>;
  readonly cookies: Readonly<Record<string, string | undefined>>;
  /** The raw body (empty for GET, and for multipart/form-data: its parts are in `params` and `files`). */
  readonly body: Buffer;
  /**
   * The files of a multipart/form-data body, in the order they came (also in `params` under their field
   * names). Those over 1 MiB are in temp files that are removed once the response is sent.
   */
  readonly files: readonly UploadedFile[];
  /** True when the request came over HTTPS. */
  readonly secure: boolean;
  /** The session's dictionary; throws "sessions are not enabled" when storageType is "". */
  readonly sessionMap: SessionMap;
  readonly session: Session;
  /** Node's request, for what cherry does not wrap. */
  readonly raw: IncomingMessage;
}

/** A class, not a literal with a getter: no closure per request, one shape for every request. */
class CherryRequest implements Request {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  #cookies: Record<string, string | undefined> | undefined;

  constructor(
    readonly raw: IncomingMessage,
    readonly path: string,
    readonly params: Params,
    readonly body: Buffer,
    readonly secure: boolean,
    readonly sessionMap: SessionMap,
    readonly session: Session,
    readonly files: readonly UploadedFile[],
  ) {
    this.method = raw.method ?? "GET";
    this.headers = raw.headers;
  }

  get cookies(): Readonly<Record<string, string | undefined>> {
    this.#cookies ??= this.raw.headers.cookie ? safeParse(this.raw.headers.cookie) : {};
    return this.#cookies;
  }
}

export function createRequest(
  raw: IncomingMessage,
  path: string,
  params: Params,
  body: Buffer,
  secure: boolean,
  sessionMap: SessionMap,
  session: Session,
  files: readonly UploadedFile[],
): Request {
  return new CherryRequest(raw, path, params, body, secure, sessionMap, session, files);
}

function safeParse(header: string): Record<string, string | undefined> {
  try {
    return parseCookies(header);
  } catch {
    return {};
  }
}
