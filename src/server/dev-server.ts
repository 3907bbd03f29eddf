/**
 * `cherry serve`: the socket, the session manager and the config live here, outside the part that
 * reloads. A reload builds the new app completely and swaps one AppState object; the socket never
 * closes, so no request is refused during a reload.
 */
import type http from "node:http";
import { loadConfig } from "../config/load.js";
import type { CherryConfig, FlagValues } from "../config/types.js";
import { isCherryError } from "../errors.js";
import { createLogger, type Logger } from "../log.js";
import { type AppError, formatAppError } from "../modules/app-error.js";
import { type AppBuilder, createAppBuilder } from "../modules/loader.js";
import { createBackend, ramLimits } from "../sessions/create-backend.js";
import { SessionManager } from "../sessions/manager.js";
import { RamStore } from "../sessions/stores/ram.js";
import { bindsAllInterfaces, createHostCheck } from "./_hosts.js";
import { ownFiles } from "./_own-files.js";
import { sameListen, sameStore, summarize } from "./_reload.js";
import { bannerLines } from "./banner.js";
import { type AppState, createRequestHandler } from "./handler.js";
import { createHttpServer, listen, type ServerLimits } from "./listen.js";
import { LiveReload } from "./live-reload.js";
import { rootFromExport } from "./published.js";
import { createStaticHandler, staticWarnings } from "./static.js";
import { startTypeChecker, type TypeChecker } from "./type-check.js";
import { UploadFolder } from "./upload.js";
import { type ChangeBatch, watchApp } from "./watch.js";

export interface ServeOptions {
  configPath?: string;
  flags?: FlagValues;
  /** Watch mode: rebuild on change, stacks on error pages, live reload. */
  watch: boolean;
  liveReload?: boolean;
  /** Refuse to start when the app does not build (production); watch mode serves the error instead. */
  failOnBuildError?: boolean;
  logger?: Logger;
  /** How long shutdown waits for in-flight requests, in ms. */
  drainMs?: number;
  /** Print the banner with its `listening on` line (cluster workers leave it to the primary). */
  announce?: boolean;
  /** The CLI reads keyboard shortcuts: the banner says `h + enter` instead of Ctrl-C. */
  shortcuts?: boolean;
  /** Clock for session expiry, epoch ms (tests inject one instead of sleeping). */
  now?: () => number;
  /**
   * Watch mode: run the TypeScript checker in the background and report its errors in the terminal
   * and on open pages (type-check.ts). Off unless asked for; the CLI asks unless `--no-type-check`.
   */
  typeCheck?: boolean;
  /** Client timeouts; the hardened defaults unless an embedder (or a test) needs others. */
  limits?: ServerLimits;
}

export interface RunningServer {
  url: string;
  config: CherryConfig;
  close(): Promise<void>;
  /** Resolves after the next reload (code or config) finished; for tests and benchmarks. */
  nextReload(): Promise<void>;
  /** The background type checker, when one runs. */
  readonly typeChecker?: TypeChecker;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const startedAt = performance.now();
  process.setSourceMapsEnabled(true);
  let config = loadConfig({ configPath: options.configPath, flags: options.flags });
  let logger =
    options.logger ??
    createLogger({ logToScreen: config.server.logToScreen, logFile: config.server.logFile });
  for (const note of config.notes) logger.warn(note);
  for (const warning of exposureWarnings(config, options.watch)) logger.warn(warning);

  const liveReload = options.watch && options.liveReload !== false ? new LiveReload() : undefined;
  let typeChecker: TypeChecker | undefined;
  function startChecker(): TypeChecker | undefined {
    if (!options.watch || !options.typeCheck) return undefined;
    return startTypeChecker({
      appDir: config.dir,
      entry: config.server.appModule,
      logger,
      onReport: (errors, fixed) => liveReload?.typeErrors(errors, fixed),
    });
  }
  let builder = createAppBuilder(config.server.appModule, config.dir);
  let storageBuilder = customStorageBuilder(config);
  const sessions = new SessionManager({ config: config.session, backend: {}, logger, now: options.now });
  sessions.crossProcess = locksAcrossProcesses(config);

  const first = await buildApp(builder, storageBuilder, logger);
  const state0: AppState = {
    config,
    sessions,
    serveStatic: createStaticHandler(config.staticContent, {
      wellKnown: config.server.staticWellKnown,
      own: ownFiles(config),
    }),
    hostAllowed: options.watch ? createHostCheck(config.server) : undefined,
    dev: options.watch,
    liveReload,
    logger,
    uploads: new UploadFolder(),
    ...(first.ok ? { root: first.root } : { error: first.error }),
  };
  try {
    // A custom store whose module did not load has nothing to check exports on: its build error
    // (state0.error) is the cause to report, not "does not export saveSessionData, …".
    if (first.ok || config.session.storageType !== "custom")
      sessions.backend = await createBackend(config, first.ok ? first.custom : undefined);
  } catch (error) {
    if (!isCherryError(error, "E_APP_BUILD") || !first.ok) {
      // The store is unreachable at startup: say so and leave nothing running behind.
      await builder.dispose();
      await storageBuilder?.dispose();
      throw error;
    }
    state0.root = undefined;
    state0.error = { kind: "config", message: error.message };
  }
  if (state0.error) {
    logger.error(formatAppError(state0.error, config.dir));
    if (options.failOnBuildError) {
      await builder.dispose();
      await storageBuilder?.dispose();
      throw Object.assign(new Error("the app does not build"), { reported: true });
    }
  }

  let state = state0;
  let inFlight = 0;
  const handle = createRequestHandler(() => state);
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight++;
    void handle(req, res).finally(() => inFlight--);
  };
  let server: http.Server;
  let url: string;
  try {
    server = createHttpServer(config.server, listener, options.limits);
    url = await listen(server, config.server);
  } catch (error) {
    await builder.dispose();
    await storageBuilder?.dispose();
    await sessions.backend.store?.close?.();
    throw error;
  }

  const sweeper = { timer: undefined as NodeJS.Timeout | undefined };
  const scheduleSweeps = () => {
    clearInterval(sweeper.timer);
    const every = config.session.cleanUpDelay * 60_000;
    if (config.session.storageType && every > 0)
      sweeper.timer = setInterval(() => void sessions.sweep(), every).unref();
  };
  scheduleSweeps();

  const waiters: (() => void)[] = [];
  const reloaded = () => {
    for (const w of waiters.splice(0)) w();
  };

  let queue = Promise.resolve();
  const onChange = (batch: ChangeBatch) => {
    queue = queue
      .then(() => applyChanges(batch))
      .catch((error) => logger.error(`reload failed: ${error?.stack ?? error}`));
  };

  async function applyChanges(batch: ChangeBatch): Promise<void> {
    const started = performance.now();
    const why = summarize(batch, config.dir);
    let rebuild = batch.code.length > 0;
    if (batch.config) {
      const next = tryLoadConfig();
      if (next) {
        rebuild ||=
          next.server.appModule !== config.server.appModule ||
          next.session.storageModule !== config.session.storageModule;
        await applyConfig(next);
      }
    }
    if (rebuild) {
      const built = await buildApp(builder, storageBuilder, logger);
      if (built.ok && built.unchanged && state.root && !state.error) {
        // Same bundle as the one serving: keep it, and leave open pages alone.
        rebuild = false;
      } else if (built.ok) {
        try {
          if (config.session.storageType === "custom")
            sessions.backend = await createBackend(config, built.custom);
          state = { ...state, root: built.root, error: undefined };
        } catch (error) {
          state = { ...state, root: undefined, error: { kind: "config", message: (error as Error).message } };
        }
      } else state = { ...state, root: undefined, error: built.error };
      if (state.error) {
        logger.error(formatAppError(state.error, config.dir));
        liveReload?.reload();
        reloaded();
        return;
      }
    }
    if (rebuild || batch.config || batch.other.length > 0) liveReload?.reload();
    if (rebuild || batch.config)
      logger.info(`reloaded in ${Math.round(performance.now() - started)} ms (${why})`);
    reloaded();
  }

  function tryLoadConfig(): CherryConfig | undefined {
    try {
      return loadConfig({ configPath: options.configPath, flags: options.flags });
    } catch (error) {
      if (!isCherryError(error)) throw error;
      logger.error(`${error.message}; keeping the previous config`);
      for (const line of error.details) logger.error(line);
      return undefined;
    }
  }

  async function applyConfig(next: CherryConfig): Promise<void> {
    const previous = config;
    if (!options.logger)
      logger = createLogger({ logToScreen: next.server.logToScreen, logFile: next.server.logFile });
    for (const note of next.notes) logger.warn(note);
    for (const warning of exposureWarnings(next, options.watch)) logger.warn(warning);
    if (!sameListen(previous.server, next.server)) {
      const fresh = createHttpServer(next.server, listener, options.limits);
      try {
        url = await listen(fresh, next.server);
      } catch (error) {
        logger.error(
          `cannot rebind: ${(error as Error).message}; still on ${url}, keeping the previous config`,
        );
        return;
      }
      const old = server;
      server = fresh;
      old.close();
      old.closeIdleConnections();
      logger.info(`listening on ${url}`);
    }
    config = next;
    if (next.server.appModule !== previous.server.appModule) {
      await builder.dispose();
      builder = createAppBuilder(next.server.appModule, next.dir);
      await typeChecker?.close();
      typeChecker = startChecker();
    }
    if (
      next.session.storageModule !== previous.session.storageModule ||
      next.session.storageType !== previous.session.storageType
    ) {
      await storageBuilder?.dispose();
      storageBuilder = customStorageBuilder(next);
    }
    sessions.config = next.session;
    // RAM sessions stay across edits; a new bound applies from the next save.
    if (sessions.backend.store instanceof RamStore) sessions.backend.store.limits = ramLimits(next.session);
    sessions.crossProcess = locksAcrossProcesses(next);
    if (!sameStore(previous, next)) {
      const old = sessions.backend.store;
      const custom =
        next.session.storageType === "custom" ? await buildApp(builder, storageBuilder, logger) : undefined;
      try {
        if (custom && !custom.ok) throw new Error(formatAppError(custom.error, next.dir));
        sessions.backend = await createBackend(next, custom?.ok ? custom.custom : undefined);
        logger.info(`[sessions] store is now ${next.session.storageType || "off"}`);
        await old?.close?.();
      } catch (error) {
        logger.error(`[sessions] ${(error as Error).message}`);
      }
    }
    scheduleSweeps();
    state = {
      ...state,
      config: next,
      serveStatic: createStaticHandler(next.staticContent, {
        wellKnown: next.server.staticWellKnown,
        own: ownFiles(next),
      }),
      hostAllowed: options.watch ? createHostCheck(next.server) : undefined,
      logger,
    };
  }

  const watcher = options.watch
    ? watchApp(config, onChange, (error) => logger.warn(`watching for changes: ${error.message}`))
    : undefined;
  await watcher?.ready;
  typeChecker = startChecker();
  if (options.announce !== false) {
    const lines = bannerLines({
      url,
      host: config.server.socketHost,
      readyMs: performance.now() - startedAt,
      watch: options.watch,
      shortcuts: options.shortcuts === true,
    });
    for (const line of lines) logger.info(line);
  }

  return {
    get url() {
      return url;
    },
    get config() {
      return config;
    },
    nextReload: () => new Promise<void>((resolve) => waiters.push(resolve)),
    get typeChecker() {
      return typeChecker;
    },
    async close() {
      await watcher?.close();
      await typeChecker?.close();
      clearInterval(sweeper.timer);
      liveReload?.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        const deadline = Date.now() + (options.drainMs ?? 10_000);
        const poll = setInterval(() => {
          if (inFlight <= 0 || Date.now() > deadline) {
            clearInterval(poll);
            server.closeAllConnections();
          }
        }, 20);
      });
      await queue;
      await builder.dispose();
      await storageBuilder?.dispose();
      await sessions.backend.store?.close?.();
      state.uploads.remove();
    },
  };
}

type Built =
  | { ok: true; root: object; custom: Record<string, unknown>; unchanged: boolean }
  | { ok: false; error: AppError };

async function buildApp(
  builder: AppBuilder,
  storageBuilder: AppBuilder | undefined,
  logger: Logger,
): Promise<Built> {
  const [app, storage] = await Promise.all([builder.build(), storageBuilder?.build()]);
  if (!app.ok) return { ok: false, error: app.error };
  if (storage && !storage.ok) return { ok: false, error: storage.error };
  let root: unknown;
  try {
    const made = rootFromExport(app.module.default);
    root = made.root;
    if (made.note) logger.warn(made.note);
  } catch (error) {
    const { errorFromImport } = await import("../modules/app-error.js");
    return { ok: false, error: errorFromImport(error, "") };
  }
  if (typeof root !== "object" || root === null) {
    return {
      ok: false,
      error: {
        kind: "import",
        message: "the app module has no default export (export default class Root { index() {…} })",
      },
    };
  }
  const unchanged = app.unchanged && (!storage?.ok || storage.unchanged);
  return { ok: true, root, custom: storage?.ok ? storage.module : app.module, unchanged };
}

/** What this config exposes that it likely should not: static mounts holding the config or the app, a
 * watch-mode server (stacks, source paths, live reload) reachable from the network. */
function exposureWarnings(config: CherryConfig, watch: boolean): string[] {
  const warnings = staticWarnings(config.staticContent, ownFiles(config));
  if (watch && bindsAllInterfaces(config.server))
    warnings.push(
      `watch mode is bound to all interfaces (socketHost = "${config.server.socketHost}"): other machines can reach it and its error pages show stacks and source paths; bind 127.0.0.1 while developing, or serve with --no-watch`,
    );
  return warnings;
}

/** Several workers share the store, or Redis/PostgreSQL may be shared by several machines. */
function locksAcrossProcesses(config: CherryConfig): boolean {
  const type = config.session.storageType;
  return (
    config.session.locking === "implicit" &&
    (config.server.processPool > 1 || type === "redis" || type === "postgres")
  );
}

function customStorageBuilder(config: CherryConfig): AppBuilder | undefined {
  const { storageType, storageModule } = config.session;
  return storageType === "custom" && storageModule ? createAppBuilder(storageModule, config.dir) : undefined;
}
