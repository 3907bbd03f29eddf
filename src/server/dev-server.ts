/**
 * `cherry serve`: the socket, the in-flight counter and the swap. Everything else is the runtime
 * (runtime.ts), built whole from a config: a reload builds the next one and swaps one reference, or
 * logs why not and keeps the current one. The socket never closes, so no request is refused during a
 * reload (docs/contract.md §7).
 */
import type http from "node:http";
import { loadConfig } from "../config/load.js";
import type { CherryConfig, FlagValues } from "../config/types.js";
import { CherryError, isCherryError } from "../errors.js";
import type { Logger } from "../log.js";
import { formatAppError } from "../modules/app-error.js";
import { bindsAllInterfaces } from "./_hosts.js";
import { ownFiles } from "./_own-files.js";
import { sameListen, summarize } from "./_reload.js";
import { sameStore, serverWrittenPaths } from "./_store-facts.js";
import { bannerLines } from "./banner.js";
import { createRequestHandler } from "./handler.js";
import { createHttpServer, listen, type ServerLimits } from "./listen.js";
import { LiveReload } from "./live-reload.js";
import { activate, buildRuntime, disposeUnused, type Runtime, type RuntimeOptions } from "./runtime.js";
import { staticWarnings } from "./static.js";
import type { TypeChecker } from "./type-check.js";
import { UploadFolder } from "./upload.js";
import { type ChangeBatch, createWatcher } from "./watch.js";

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
  const first = loadConfig({ configPath: options.configPath, flags: options.flags });
  const runtimeOptions: RuntimeOptions = {
    watch: options.watch,
    typeCheck: options.typeCheck,
    logger: options.logger,
    now: options.now,
    liveReload: options.watch && options.liveReload !== false ? new LiveReload() : undefined,
    uploads: new UploadFolder(),
  };
  // The store is unreachable at startup: buildRuntime says so and leaves nothing running behind.
  let runtime = await buildRuntime(first, undefined, runtimeOptions);
  activate(runtime);
  warnAbout(runtime, options.watch);
  if (runtime.state.error) {
    runtime.logger.error(formatAppError(runtime.state.error, first.dir));
    if (options.failOnBuildError) {
      await disposeUnused(runtime);
      throw new CherryError(
        "E_APP_BUILD",
        "the app does not build (its error is above); the server did not start",
      );
    }
  }

  let inFlight = 0;
  const handle = createRequestHandler(() => runtime.state);
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight++;
    void handle(req, res).finally(() => inFlight--);
  };
  let server: http.Server;
  let url: string;
  try {
    server = createHttpServer(first.server, listener, options.limits);
    url = await listen(server, first.server);
  } catch (error) {
    await disposeUnused(runtime);
    throw error;
  }

  const waiters: (() => void)[] = [];
  const reloaded = () => {
    for (const w of waiters.splice(0)) w();
  };
  let queue = Promise.resolve();
  const onChange = (batch: ChangeBatch) => {
    queue = queue
      .then(() => applyChanges(batch))
      .catch((error) => runtime.logger.error(`reload failed: ${error?.stack ?? error}`))
      .finally(reloaded);
  };

  /** Builds the next runtime whole and swaps it in, or logs why not and keeps the current one. */
  async function applyChanges(batch: ChangeBatch): Promise<void> {
    const started = performance.now();
    const current = runtime;
    const config = (batch.config && tryLoadConfig(current.logger)) || current.config;
    const configChanged = config !== current.config;
    if (!configChanged && batch.code.length === 0) {
      if (batch.other.length > 0) runtimeOptions.liveReload?.reload();
      return;
    }
    // What the next runtime writes may appear while it is built, before the swap: never a change.
    if (configChanged) watcher?.ignoreAlso(serverWrittenPaths(config));
    let next: Runtime;
    try {
      next = await buildRuntime(config, current, runtimeOptions, batch.code.length > 0);
    } catch (error) {
      current.logger.error(`${(error as Error).message}; keeping the previous config`);
      return;
    }
    if (!sameListen(current.config.server, config.server) && !(await rebind(next))) {
      await disposeUnused(next, current);
      return;
    }
    runtime = next;
    activate(next);
    watcher?.follow(next.watchSet);
    await disposeUnused(current, next);
    if (configChanged) warnAbout(next, options.watch);
    if (!sameStore(current.config, config))
      next.logger.info(`[sessions] store is now ${config.session.storageType || "off"}`);
    const appChanged = next.app !== current.app;
    if (appChanged && next.state.error) next.logger.error(formatAppError(next.state.error, config.dir));
    if (appChanged || configChanged || batch.other.length > 0) runtimeOptions.liveReload?.reload();
    if ((appChanged || configChanged) && !next.state.error)
      next.logger.info(
        `reloaded in ${Math.round(performance.now() - started)} ms (${summarize(batch, config.dir)})`,
      );
  }

  function tryLoadConfig(logger: Logger): CherryConfig | undefined {
    try {
      return loadConfig({ configPath: options.configPath, flags: options.flags });
    } catch (error) {
      if (!isCherryError(error)) throw error;
      logger.error(`${error.message}; keeping the previous config`);
      for (const line of error.details) logger.error(line);
      return undefined;
    }
  }

  /** Moves the socket to `next`'s address; false (logged) when it cannot bind there. */
  async function rebind(next: Runtime): Promise<boolean> {
    const fresh = createHttpServer(next.config.server, listener, options.limits);
    try {
      url = await listen(fresh, next.config.server);
    } catch (error) {
      next.logger.error(
        `cannot rebind: ${(error as Error).message}; still on ${url}, keeping the previous config`,
      );
      return false;
    }
    const old = server;
    server = fresh;
    old.close();
    old.closeIdleConnections();
    next.logger.info(`listening on ${url}`);
    return true;
  }

  const watcher = options.watch
    ? createWatcher(runtime.watchSet, onChange, (error) =>
        runtime.logger.warn(`watching for changes: ${error.message}`),
      )
    : undefined;
  await watcher?.ready;
  if (options.announce !== false) {
    const lines = bannerLines({
      url,
      host: first.server.socketHost,
      readyMs: performance.now() - startedAt,
      watch: options.watch,
      shortcuts: options.shortcuts === true,
    });
    for (const line of lines) runtime.logger.info(line);
  }

  return {
    get url() {
      return url;
    },
    get config() {
      return runtime.config;
    },
    nextReload: () => new Promise<void>((resolve) => waiters.push(resolve)),
    get typeChecker() {
      return runtime.typeChecker;
    },
    async close() {
      await watcher?.close();
      runtimeOptions.liveReload?.closeAll();
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
      await disposeUnused(runtime);
      runtimeOptions.uploads.remove();
    },
  };
}

/** The config's notes and what it exposes, said once for each config that comes into force. */
function warnAbout(runtime: Runtime, watch: boolean): void {
  for (const note of runtime.config.notes) runtime.logger.warn(note);
  for (const warning of exposureWarnings(runtime.config, watch)) runtime.logger.warn(warning);
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
