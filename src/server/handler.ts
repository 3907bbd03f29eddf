/**
 * One request, start to end: reserved paths, static files, object publishing, body and params,
 * the session (begin before the handler, commit after it and before the response is sent), the
 * answer, and the access log. Everything it needs comes from the current AppState, which the dev
 * server swaps whole on reload.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CherryConfig } from "../config/types.js";
import { isCherryError } from "../errors.js";
import type { Logger } from "../log.js";
import type { RequestSession, SessionManager } from "../sessions/manager.js";
import { DISABLED_SESSION_MAP } from "../sessions/session-map.js";
import { CustomStoreError } from "../sessions/stores/custom.js";
import { HttpError, parseParams, readBody } from "./_body.js";
import { forbiddenHostMessage } from "./_hosts.js";
import { causeOf, generalTerms } from "./_store-answer.js";
import { type AppError, formatAppError } from "./app-error.js";
import { injectLiveReload, LIVE_RELOAD_PATH, type LiveReload } from "./live-reload.js";
import { appErrorPage, errorPage } from "./pages.js";
import { createRequest } from "./request.js";
import { createResponse, responseProblem, toBody } from "./response.js";
import { resolveRoute } from "./router.js";
import type { StaticHandler } from "./static.js";

export interface AppState {
  config: CherryConfig;
  root?: object;
  error?: AppError;
  sessions: SessionManager;
  serveStatic: StaticHandler;
  /** Watch mode: stacks on error pages, live reload in HTML. */
  dev: boolean;
  liveReload?: LiveReload;
  logger: Logger;
  bodyLimit: number;
  /** Watch mode: the Host header check (src/server/_hosts.ts); absent = every Host is answered. */
  hostAllowed?: (host: string | undefined) => boolean;
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const DISABLED_SESSION = new Proxy({} as never, { get: () => DISABLED_SESSION_MAP.get("") });

export function createRequestHandler(getState: () => AppState) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const state = getState();
    const started = state.logger.accessEnabled === false ? 0 : performance.now();
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q === -1 ? url : url.slice(0, q);
    let status: number;
    try {
      status = await route(state, req, res, pathname, q === -1 ? "" : url.slice(q + 1));
    } catch (error) {
      state.logger.error(
        `unexpected failure on ${req.method} ${pathname}: ${(error as Error)?.stack ?? error}`,
      );
      status = 500;
      if (!res.headersSent)
        send(res, req, 500, errorPage(500, "Internal Server Error"), "text/html; charset=utf-8");
      else res.destroy();
    }
    if (state.logger.accessEnabled === false) return;
    const ms = (performance.now() - started).toFixed(1);
    state.logger.access(`${req.method} ${pathname} ${status} ${ms}ms`, status);
  };
}

async function route(
  state: AppState,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  search: string,
): Promise<number> {
  // Before anything else: the live-reload stream, static files and error pages are what a
  // rebinding page would read.
  if (state.hostAllowed && !state.hostAllowed(req.headers.host)) return forbiddenHost(req, res);
  if (pathname.startsWith("/__cherry/")) {
    if (pathname === LIVE_RELOAD_PATH && state.liveReload) {
      state.liveReload.attach(res);
      return 200;
    }
    return text(res, req, 404, `The path '${pathname}' was not found.`);
  }
  const staticStatus = state.serveStatic(req, res, pathname);
  if (staticStatus !== undefined) return await staticStatus;

  if (!state.root) {
    const error = state.error;
    if (!error) return text(res, req, 503, "The app is loading.");
    const report = formatAppError(error, state.config.dir);
    if (wantsHtml(req))
      return send(
        res,
        req,
        500,
        withReload(state, appErrorPage(error, state.config.dir)),
        "text/html; charset=utf-8",
      );
    return text(res, req, 500, report);
  }

  const found = resolveRoute(state.root, pathname);
  if (found.kind === "not-found") return text(res, req, 404, `The path '${pathname}' was not found.`);
  if (found.kind === "redirect") {
    res.writeHead(301, { Location: found.location + (search ? `?${search}` : "") }).end();
    return 301;
  }

  let body: Buffer = Buffer.alloc(0);
  let params: Record<string, unknown>;
  try {
    if (BODY_METHODS.has(req.method ?? "")) body = await readBody(req, state.bodyLimit);
    params =
      search === "" && body.length === 0
        ? Object.create(null)
        : parseParams(search, body, req.headers["content-type"]);
  } catch (error) {
    if (error instanceof HttpError)
      return text(res, req, error.status, error.message, { Connection: "close" });
    throw error;
  }

  const secure = Boolean((req.socket as { encrypted?: boolean }).encrypted);
  const sessionsOn = state.config.session.storageType !== "";
  let session: RequestSession | undefined;
  if (sessionsOn) {
    try {
      session = await state.sessions.begin(req, secure);
    } catch (error) {
      return sessionFailure(state, req, res, error, pathname);
    }
  }

  const response = createResponse();
  const request = createRequest(
    req,
    pathname,
    params,
    body,
    secure,
    session?.map ?? DISABLED_SESSION_MAP,
    session ?? DISABLED_SESSION,
  );
  let out: ReturnType<typeof toBody>;
  try {
    let result = found.fn.call(found.owner, request, response);
    // Most handlers answer synchronously: await only a promise (each await costs a turn).
    if (result instanceof Promise) result = await result;
    // What Node could not send is the handler's error, found before the session is saved.
    const problem = responseProblem(response);
    if (problem) throw new TypeError(problem);
    out = toBody(result);
  } catch (error) {
    session?.abandon();
    if (isCherryError(error, "E_SESSIONS_DISABLED")) state.logger.error(`${pathname}: ${error.message}`);
    else state.logger.error(`handler for ${pathname} threw: ${(error as Error)?.stack ?? error}`);
    const detail = state.dev ? ((error as Error)?.stack ?? String(error)) : undefined;
    return send(
      res,
      req,
      500,
      withReload(state, errorPage(500, "Internal Server Error", detail)),
      "text/html; charset=utf-8",
    );
  }

  let setCookie: string | undefined;
  let vary = false;
  if (session) {
    if (response.status >= 500) session.abandon();
    else {
      try {
        const commit = await session.commit();
        setCookie = commit.setCookie;
        vary = commit.vary;
      } catch (error) {
        return sessionFailure(state, req, res, error, pathname);
      }
    }
  }
  const { body: answer, type } = out;
  const headers: OutgoingHeaders = { ...response.headers };
  if (setCookie) appendHeader(headers, "Set-Cookie", setCookie);
  if (vary) appendHeader(headers, "Vary", "Cookie");
  const contentType = findHeader(headers, "content-type") ?? type;
  const html = contentType?.startsWith("text/html") ?? false;
  const payload = html && typeof answer === "string" ? withReload(state, answer) : answer;
  return send(res, req, response.status, payload, contentType, headers);
}

type OutgoingHeaders = Record<string, string | number | string[]>;

function sessionFailure(
  state: AppState,
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
  pathname: string,
): number {
  const unavailable =
    isCherryError(error, "E_STORE_UNAVAILABLE") || isCherryError(error, "E_SESSION_LOCK_TIMEOUT");
  const status = unavailable ? 503 : 500;
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof CustomStoreError)
    state.logger.error(`[store:custom] ${pathname}: ${(error.cause as Error)?.stack ?? message}`);
  else state.logger.error(`[sessions] ${req.method} ${pathname}: ${message}${causeOf(error, message)}`);
  // Paths and OS messages are for the log; production answers name what failed in general terms.
  const shown = state.dev ? message : generalTerms(error);
  const title = status === 503 ? "Service Unavailable" : "Internal Server Error";
  const extra = status === 503 ? { "Retry-After": "1" } : undefined;
  if (wantsHtml(req))
    return send(
      res,
      req,
      status,
      withReload(state, errorPage(status, title, shown)),
      "text/html; charset=utf-8",
      extra,
    );
  return text(res, req, status, `${status} ${title}${shown ? `: ${shown}` : ""}`, extra);
}

function forbiddenHost(req: IncomingMessage, res: ServerResponse): number {
  return text(res, req, 403, forbiddenHostMessage(req.headers.host));
}

function withReload(state: AppState, html: string): string {
  return state.liveReload ? injectLiveReload(html) : html;
}

function wantsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").includes("text/html");
}

function findHeader(headers: OutgoingHeaders, name: string): string | undefined {
  for (const key in headers) if (key.toLowerCase() === name) return String(headers[key]);
  return undefined;
}

function appendHeader(headers: OutgoingHeaders, name: string, value: string): void {
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

function text(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  message: string,
  extra?: Record<string, string>,
): number {
  return send(res, req, status, `${message}\n`, "text/plain; charset=utf-8", extra);
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  body: string | Buffer,
  type: string | undefined,
  headers?: OutgoingHeaders,
): number {
  // A string body goes out with the headers in one write; a Buffer would make it a writev of two.
  const length = typeof body === "string" ? Buffer.byteLength(body) : body.length;
  const out: OutgoingHeaders = { "X-Content-Type-Options": "nosniff" };
  if (type && (headers === undefined || !findHeader(headers, "content-type"))) out["Content-Type"] = type;
  if (headers) Object.assign(out, headers);
  out["Content-Length"] = length;
  res.writeHead(status, out);
  res.end(req.method === "HEAD" ? undefined : body);
  return status;
}
