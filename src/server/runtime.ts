/**
 * A runtime is everything requests and reloads use under one resolved config: its logger, the app
 * (the builders and what they built), the session store and manager, the sweep schedule, the static
 * handler, the type checker, the watch set, and the AppState the request handler reads. buildRuntime
 * makes the next one from a config and the current one, reusing a part only when the keys it
 * depends on are unchanged (PART_KEYS); the dev server swaps one reference to it (dev-server.ts,
 * docs/architecture.md "The dev server: build, then swap").
 */
import type { CherryConfig } from "../config/types.js";
import { isCherryError } from "../errors.js";
import { createLogger, type Logger } from "../log.js";
import { type AppBuilder, createAppBuilder } from "../modules/loader.js";
import { type SessionBackend, SessionManager } from "../sessions/manager.js";
import { type AppOutcome, buildApp } from "./_app-outcome.js";
import { createHostCheck } from "./_hosts.js";
import { ownFiles } from "./_own-files.js";
import { type Repeating, repeatEvery } from "./_repeat.js";
import {
  createBackend,
  locksAcrossProcesses,
  sameStore,
  serverWrittenPaths,
  storeFromUserModule,
  tuneStore,
} from "./_store-facts.js";
import type { AppState } from "./handler.js";
import type { LiveReload } from "./live-reload.js";
import { createStaticHandler, type StaticHandler } from "./static.js";
import { startTypeChecker, type TypeChecker } from "./type-check.js";
import type { UploadFolder } from "./upload.js";
import type { WatchSet } from "./watch.js";

export interface Runtime {
  readonly config: CherryConfig;
  readonly logger: Logger;
  readonly builder: AppBuilder;
  readonly storageBuilder: AppBuilder | undefined;
  readonly app: AppOutcome;
  readonly backend: SessionBackend;
  readonly sessions: SessionManager;
  readonly sweep: Repeating | undefined;
  readonly serveStatic: StaticHandler;
  readonly typeChecker: TypeChecker | undefined;
  readonly watchSet: WatchSet;
  /** What the request handler reads (handler.ts). */
  readonly state: AppState;
}

/** What stays the same from one runtime to the next: the serve options and what lives outside. */
export interface RuntimeOptions {
  /** Watch mode: stacks on error pages, live reload, the Host check. */
  watch: boolean;
  /** Watch mode: run the type checker (type-check.ts). */
  typeCheck?: boolean;
  /** An embedder's logger, used instead of one made from logToScreen and logFile. */
  logger?: Logger;
  /** Clock for session expiry, epoch ms. */
  now?: () => number;
  liveReload?: LiveReload;
  uploads: UploadFolder;
}

export type PartName =
  | "logger"
  | "builder"
  | "storageBuilder"
  | "store"
  | "sessions"
  | "sweep"
  | "static"
  | "typeChecker";

/**
 * The keys each part depends on; a part is reused when they are all unchanged. `app` is rebuilt when
 * a builder is new or code changed; the store also follows sameStore (_store-facts.ts), and the
 * session manager lives as long as its store and logger.
 */
export const PART_KEYS: Record<PartName, readonly string[]> = {
  logger: ["server.logToScreen", "server.logFile"],
  builder: ["server.appModule"],
  storageBuilder: ["session.storageType", "session.storageModule"],
  store: ["sameStore"],
  sessions: ["sameStore"],
  sweep: ["sessions", "session.storageType", "session.cleanUpDelay"],
  static: ["staticContent", "server.staticWellKnown", "ownFiles"],
  typeChecker: ["server.appModule"],
};

const keyOf = (config: CherryConfig, id: string): unknown => {
  const [section, key] = id.split(".") as ["server" | "session", string];
  return (config[section] as unknown as Record<string, unknown>)[key];
};
const sameKeys = (a: CherryConfig, b: CherryConfig, part: PartName) =>
  PART_KEYS[part].every((id) => !id.includes(".") || keyOf(a, id) === keyOf(b, id));

/**
 * The runtime for `config`, built whole: reuses the parts of `current` whose keys are unchanged and
 * rebuilds the app when `codeChanged` or a builder is new. Throws (having disposed what it made)
 * when a part cannot be made, e.g. the store cannot be reached; `current` is left untouched. A build
 * or import error of the app is not a failure: the runtime serves that error (watch mode's page).
 */
export async function buildRuntime(
  config: CherryConfig,
  current: Runtime | undefined,
  options: RuntimeOptions,
  codeChanged = false,
): Promise<Runtime> {
  const reuse = (part: PartName) => current !== undefined && sameKeys(current.config, config, part);
  const logger = current && reuse("logger") ? current.logger : makeLogger(config, options.logger);
  const builder =
    current && reuse("builder") ? current.builder : createAppBuilder(config.server.appModule, config.dir);
  const storageBuilder =
    current && reuse("storageBuilder") ? current.storageBuilder : customStorageBuilder(config);
  const made: { -readonly [K in keyof Runtime]?: Runtime[K] } = { builder, storageBuilder };
  try {
    const rebuild =
      !current || codeChanged || builder !== current.builder || storageBuilder !== current.storageBuilder;
    let app = rebuild ? await buildApp(config, builder, storageBuilder, logger, current?.app) : current.app;
    const storeKept = current !== undefined && sameStore(current.config, config);
    let backend: SessionBackend;
    if (storeFromUserModule(config)) {
      const previous = current && storeFromUserModule(current.config) ? current.backend : {};
      if (app.error) backend = previous;
      else if (storeKept && app === current?.app) backend = current.backend;
      else {
        try {
          backend = await createBackend(config, app.custom);
        } catch (error) {
          if (!isCherryError(error, "E_APP_BUILD")) throw error;
          app = { error: { kind: "config", message: error.message }, inputs: app.inputs };
          backend = previous;
        }
      }
    } else backend = storeKept && current ? current.backend : await createBackend(config);
    made.backend = backend;
    const sessions =
      storeKept && current
        ? current.sessions
        : new SessionManager({ config: config.session, backend, logger, now: options.now });
    // A code reload keeps the config: nothing the static handler depends on can have changed.
    const serveStatic =
      current && current.config === config ? current.serveStatic : staticHandlerFor(config, current);
    const delay = config.session.cleanUpDelayMs;
    const sweep =
      current && sessions === current.sessions && reuse("sweep")
        ? current.sweep
        : config.session.storageType && delay > 0
          ? repeatEvery(delay, () => void sessions.sweep())
          : undefined;
    const typeChecker =
      current && reuse("typeChecker")
        ? current.typeChecker
        : options.watch && options.typeCheck
          ? startTypeChecker({
              appDir: config.dir,
              entry: config.server.appModule,
              logger,
              onReport: (errors, fixed) => options.liveReload?.typeErrors(errors, fixed),
            })
          : undefined;
    const state: AppState = {
      config,
      sessions,
      serveStatic,
      hostAllowed:
        current?.config === config
          ? current.state.hostAllowed
          : options.watch
            ? createHostCheck(config.server)
            : undefined,
      dev: options.watch,
      liveReload: options.liveReload,
      logger,
      uploads: options.uploads,
      ...(app.error ? { error: app.error } : { root: app.root }),
    };
    const watchSet: WatchSet = {
      configFile: config.file,
      dir: config.dir,
      inputs: app.inputs,
      staticDirs: config.staticContent.map((m) => m.dir),
      written: serverWrittenPaths(config),
    };
    return {
      config,
      logger,
      builder,
      storageBuilder,
      app,
      backend,
      sessions,
      sweep,
      serveStatic,
      typeChecker,
      watchSet,
      state,
    };
  } catch (error) {
    await disposeUnused(made, current);
    throw error;
  }
}

/** The static handler each was made for (its config's mounts, well-known switch and own files). */
const staticKeys = new WeakMap<StaticHandler, string>();

/** The current runtime's static handler when its keys are unchanged, else a new one. */
function staticHandlerFor(config: CherryConfig, current: Runtime | undefined): StaticHandler {
  const own = ownFiles(config);
  const key = JSON.stringify([
    config.staticContent,
    config.server.staticWellKnown,
    [...own.files],
    own.folders,
  ]);
  if (current && staticKeys.get(current.serveStatic) === key) return current.serveStatic;
  const handler = createStaticHandler(config.staticContent, {
    wellKnown: config.server.staticWellKnown,
    own,
  });
  staticKeys.set(handler, key);
  return handler;
}

/**
 * Puts `next` in force on the parts it shares with the runtime before it; called in the same tick
 * as the swap, so no request sees a mix. The session manager outlives config edits that keep its
 * store (its locks and group commits span them), so its settings are set here.
 */
export function activate(next: Runtime): void {
  const { sessions, config, backend } = next;
  sessions.config = config.session;
  // A new log (logFile, logToScreen) keeps the manager: its locks span the edit (docs/contract.md §7).
  sessions.logger = next.logger;
  sessions.crossProcess = locksAcrossProcesses(config);
  if (sessions.backend !== backend) sessions.backend = backend;
  // A kept store takes the keys it reads in place (ram's bounds, from the next save).
  tuneStore(backend.store, config);
}

/**
 * Disposes the parts of `old` that `kept` does not use: after a swap, the previous runtime's; after
 * a failed build, what the build made. Without `kept`, everything.
 */
export async function disposeUnused(old: Partial<Runtime>, kept?: Runtime): Promise<void> {
  if (old.sweep && old.sweep !== kept?.sweep) old.sweep.cancel();
  if (old.typeChecker && old.typeChecker !== kept?.typeChecker) await old.typeChecker.close();
  if (old.builder && old.builder !== kept?.builder) await old.builder.dispose();
  if (old.storageBuilder && old.storageBuilder !== kept?.storageBuilder) await old.storageBuilder.dispose();
  const store = old.backend?.store;
  if (store && store !== kept?.backend.store) await store.close?.();
}

/** Which parts `next` took over from `current` (for tests and the reload's log). */
export function reusedParts(current: Runtime, next: Runtime): PartName[] {
  const same: Record<PartName, boolean> = {
    logger: next.logger === current.logger,
    builder: next.builder === current.builder,
    storageBuilder: next.storageBuilder !== undefined && next.storageBuilder === current.storageBuilder,
    store: next.backend === current.backend,
    sessions: next.sessions === current.sessions,
    sweep: next.sweep !== undefined && next.sweep === current.sweep,
    static: next.serveStatic === current.serveStatic,
    typeChecker: next.typeChecker !== undefined && next.typeChecker === current.typeChecker,
  };
  return (Object.keys(same) as PartName[]).filter((part) => same[part]);
}

function makeLogger(config: CherryConfig, given: Logger | undefined): Logger {
  return given ?? createLogger({ logToScreen: config.server.logToScreen, logFile: config.server.logFile });
}

function customStorageBuilder(config: CherryConfig): AppBuilder | undefined {
  const { storageModule } = config.session;
  return storeFromUserModule(config) && storageModule
    ? createAppBuilder(storageModule, config.dir)
    : undefined;
}
