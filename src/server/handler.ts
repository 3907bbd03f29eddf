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
import { type AppError, formatAppError } from "../modules/app-error.js";
import { formatThrown } from "../modules/stack.js";
import type { RequestSession, SessionManager } from "../sessions/manager.js";
import { DISABLED_SESSION_MAP } from "../sessions/session-map.js";
import { type Answer, toAnswer } from "./_answer.js";
import { isRefusal, lingerAfterRefusal, parseParams, readBody } from "./_body.js";
import { type FileToSend, sendFile } from "./_file-answer.js";
import { appendHeader, findHeader, type OutgoingHeaders, setHeader, withoutFraming } from "./_headers.js";
import { forbiddenHostMessage } from "./_hosts.js";
import { addForm, type Form, isMultipart, readMultipart } from "./_multipart.js";
import { dispositionOf, findFile, sendStream } from "./_send-answer.js";
import { causeOf, generalTerms } from "./_store-answer.js";
import {
  type OpenStream,
  openStream,
  releaseSource,
  releaseStream,
  runsHandlerCode,
} from "./_stream-answer.js";
import { isSecure } from "./_trust-proxy.js";
import { notFoundPage, thrownErrorPage } from "./dev-pages.js";
import { injectLiveReload, LIVE_RELOAD_PATH, type LiveReload } from "./live-reload.js";
import { appErrorPage, errorPage } from "./pages.js";
import { explainNotFound } from "./published.js";
import { createRequest } from "./request.js";
import { createResponse, responseProblem } from "./response.js";
import { resolveRoute } from "./router.js";
import type { StaticHandler } from "./static.js";
import type { UploadFolder } from "./upload.js";

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
  /** Watch mode: the Host header check (src/server/_hosts.ts); absent = every Host is answered. */
  hostAllowed?: (host: string | undefined) => boolean;
  /** Where uploads over UPLOAD_MEMORY_LIMIT wait until their response is finished. */
  uploads: UploadFolder;
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
    // cherry's own live-reload stream is not the app's traffic: one line per open tab is noise.
    if (state.logger.accessEnabled === false || pathname === LIVE_RELOAD_PATH) return;
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
  if (found.kind === "not-found") {
    if (state.dev && wantsHtml(req)) {
      const html = notFoundPage(pathname, explainNotFound(state.root, pathname));
      return send(res, req, 404, withReload(state, html), "text/html; charset=utf-8");
    }
    return text(res, req, 404, `The path '${pathname}' was not found.`);
  }
  if (found.kind === "redirect") {
    res.writeHead(301, { Location: found.location + (search ? `?${search}` : "") }).end();
    return 301;
  }

  const uploads: { form?: Form } = {};
  try {
    return await answerRoute(state, req, res, pathname, search, found, uploads);
  } finally {
    // Once the handler settled and its answer was sent or abandoned, never while it may still read
    // them (a client that goes away early closes the response, not the handler), and on every early
    // return (a query string over its limit after the upload was read).
    void uploads.form?.dispose();
  }
}

async function answerRoute(
  state: AppState,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  search: string,
  found: Extract<ReturnType<typeof resolveRoute>, { kind: "handler" }>,
  uploads: { form?: Form },
): Promise<number> {
  let body: Buffer = Buffer.alloc(0);
  let params: Record<string, unknown>;
  try {
    if (BODY_METHODS.has(req.method ?? "")) {
      if (isMultipart(req.headers["content-type"]))
        uploads.form = await readMultipart(req, state.config.server, state.uploads);
      else body = await readBody(req, state.config.server.maxRequestBodySize);
    }
    params =
      search === "" && body.length === 0
        ? Object.create(null)
        : parseParams(search, body, req.headers["content-type"]);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    // Not `Connection: close`: Node would close the socket as soon as the answer is sent, and a
    // client still sending its body would see EPIPE, not this answer. The rest is read and dropped
    // within bounds (src/server/_body.ts).
    lingerAfterRefusal(req);
    return text(res, req, error.httpStatus, error.message);
  }
  const form = uploads.form;
  if (form) addForm(params, form);

  const secure = isSecure(req, state.config.server);
  const sessionsOn = state.config.session.storageType !== "";
  let session: RequestSession | undefined;
  if (sessionsOn) {
    try {
      session = await state.sessions.begin(req, secure);
    } catch (error) {
      return sessionFailure(state, req, res, error, pathname);
    }
  }

  const response = createResponse(state.config.dir);
  const request = createRequest(
    req,
    pathname,
    params,
    body,
    secure,
    session?.map ?? DISABLED_SESSION_MAP,
    session ?? DISABLED_SESSION,
    form?.files ?? [],
  );
  // Whatever the handler returned that holds a stream is released on every path that does not
  // send it (src/server/_stream-answer.ts); sendStream owns it once called.
  let result: unknown;
  let answer: Answer | undefined;
  let opened: OpenStream | undefined;
  let handedOver = false;
  try {
    return await answerWith();
  } finally {
    if (!handedOver) {
      if (opened) void releaseStream(opened);
      if (answer?.payload.kind === "stream") void releaseSource(answer.payload.source);
      void releaseSource(result);
    }
  }

  function handlerFailed(error: unknown): number {
    const unsendable = isCherryError(error, "E_UNSENDABLE");
    if (isCherryError(error, "E_SESSIONS_DISABLED")) state.logger.error(`${pathname}: ${error.message}`);
    else if (unsendable) state.logger.error(`handler for ${pathname}: ${error.message}`);
    else
      state.logger.error(
        `handler for ${pathname} threw: ${state.dev ? formatThrown(error, state.config.dir) : ((error as Error)?.stack ?? error)}`,
      );
    const html = !state.dev
      ? errorPage(500, "Internal Server Error")
      : unsendable
        ? errorPage(500, "Internal Server Error", error.message)
        : thrownErrorPage(error, state.config.dir, req.method ?? "GET", pathname);
    return send(res, req, 500, withReload(state, html), "text/html; charset=utf-8");
  }

  async function answerWith(): Promise<number> {
    let file: FileToSend | undefined;
    let committedFirst = false;
    try {
      result = found.fn.call(found.owner, request, response);
      // Most handlers answer synchronously: await only a promise (each await costs a turn).
      if (result instanceof Promise) result = await result;
      // What Node could not send is the handler's error, found before the session is saved.
      const problem = responseProblem(response);
      if (problem) throw new TypeError(problem);
      answer = toAnswer(result);
      // Before the session is committed: a generator's code up to its first chunk, a file's lookup.
      // A Readable or ReadableStream runs no handler code: the session is committed (its lock
      // freed) before its first chunk is awaited, which may be long (server-sent events).
      if (answer.payload.kind === "stream" && req.method !== "HEAD") {
        if (runsHandlerCode(answer.payload.source)) opened = await openStream(answer.payload.source);
        else committedFirst = true;
      } else if (answer.payload.kind === "file") file = await findFile(answer.payload.file);
    } catch (error) {
      session?.abandon();
      return handlerFailed(error);
    }

    const status = answer.status ?? response.status;
    let setCookie: string | undefined;
    let vary = false;
    if (session) {
      if (status >= 500) session.abandon();
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
    if (committedFirst && answer.payload.kind === "stream") {
      try {
        opened = await openStream(answer.payload.source);
      } catch (error) {
        // The session was saved already; the answer is still an ordinary 500, nothing was sent.
        return handlerFailed(error);
      }
    }
    // Framing is cherry's: a handler's Content-Length or Transfer-Encoding, in any case, is dropped
    // (a second, different length is how requests are smuggled); cherry sets its own below.
    const headers = withoutFraming(response.headers);
    for (const [name, value] of answer.headers ?? [])
      if (name === "set-cookie") appendHeader(headers, "Set-Cookie", value);
      else setHeader(headers, name, value);
    if (setCookie) appendHeader(headers, "Set-Cookie", setCookie);
    if (vary) appendHeader(headers, "Vary", "Cookie");
    const { payload } = answer;
    if (payload.kind === "file") {
      if (!file) return text(res, req, 404, `The file for '${pathname}' was not found.`, headers);
      const disposition = dispositionOf(payload.file);
      if (disposition) setHeader(headers, "Content-Disposition", disposition);
      return await sendFile(req, res, file, headers, status);
    }
    if (payload.kind === "stream") {
      handedOver = true;
      await sendStream(req, res, status, headers, payload, opened, (error) =>
        state.logger.error(
          `handler for ${pathname}: its streamed body failed midway: ${(error as Error)?.stack ?? error}`,
        ),
      );
      return status;
    }
    const contentType = findHeader(headers, "content-type") ?? payload.type;
    const html = contentType?.startsWith("text/html") ?? false;
    const out = html && typeof payload.body === "string" ? withReload(state, payload.body) : payload.body;
    return send(res, req, status, out, contentType, headers);
  }
}

function sessionFailure(
  state: AppState,
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
  pathname: string,
): number {
  // 503 or 500, as the catalogue says (src/errors.ts); anything else a store throws is a 500.
  const status = isCherryError(error) ? error.httpStatus : 500;
  const message = (error as Error)?.message ?? String(error);
  if (isCherryError(error, "E_CUSTOM_STORE"))
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

function text(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  message: string,
  extra?: OutgoingHeaders,
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
  if (headers) for (const name in headers) setHeader(out, name, headers[name]);
  setHeader(out, "Content-Length", length);
  res.writeHead(status, out);
  res.end(req.method === "HEAD" ? undefined : body);
  return status;
}
