/**
 * What cherry knows about one store, kept in the store's own file as `export const descriptor`
 * and listed once in `./index.ts`. Everything outside the store (config rules, reloads, the watcher,
 * `cherry init --storage`, `cherry sessions`) reads these fields instead of naming stores. Importing
 * a descriptor never loads a database driver: `open` requires it when the store is opened.
 */
import { createRequire } from "node:module";
import type { CherryConfig, ServerConfig, SessionConfig } from "../../config/types.js";
import { CherryError } from "../../errors.js";
import type { SessionBackend, SessionStore } from "../store.js";

/** A config key as `section.key`, the form of `CherryConfig.sources` and of `config check` blame. */
export type ConfigKeyId = `session.${keyof SessionConfig}` | `server.${keyof ServerConfig}`;

/** What a store's `validate` gets: where to report, and which keys were already reported. */
export interface RuleContext {
  /** Reports a problem on the key's line (`FILE:LINE: [section] key: message`). */
  report(id: ConfigKeyId, message: string): void;
  /** Keys whose own value was already reported: rules that read them stay silent (one error, not two). */
  failed: ReadonlySet<string>;
  /** Whether the key was given (file, environment or flag) rather than left at its default. */
  isSet(id: ConfigKeyId): boolean;
  /** Names of the stores several processes can share (for a message that suggests one). */
  sharedStores: readonly string[];
}

/** Files and folders a store writes; folders count with everything under them. Absolute paths. */
export interface WrittenPaths {
  files: string[];
  dirs: string[];
}

/** What `cherry sessions` may ask of an opened store beyond the store contract (src/sessions/store.ts). */
export interface AdminHooks<S extends SessionStore = SessionStore> {
  /** Where one session is kept, for `cherry sessions show` (the file store: its path). */
  pathOf?(store: S, id: string): string | undefined;
  /** Records a purge will scan, when counting them is cheap: sizes the progress bar on a terminal. */
  scanSize?(store: S): number | undefined;
  /** One line for stderr after a command: what the store saw and left alone, if anything. */
  leftAlone?(store: S): string | undefined;
}

export interface StoreDescriptor<N extends string = string, S extends SessionStore = SessionStore> {
  /** The `[session] storageType` value. */
  readonly name: N;
  /**
   * Config keys the store is built from. While none of them changes, a config reload keeps the
   * open store (and a ram store its sessions); a change opens a new one.
   */
  readonly keys: readonly ConfigKeyId[];
  /** Keys applied to the open store in place, with how (ram's bounds apply from the next save). */
  readonly tune?: { keys: readonly ConfigKeyId[]; apply(store: S, config: CherryConfig): void };
  /**
   * Keys that only this store reads and that are an error with any other storageType (CherryPy
   * 0.10's rule for storageFileDir, docs/contract.md §1).
   */
  readonly exclusiveKeys?: readonly ConfigKeyId[];
  /** The npm package the store loads when opened (`requireDriver`); absent when it needs none. */
  readonly driver?: string;
  /**
   * Who may use one store at once: `process` (its data lives in one process: several workers are a
   * config error), `processes` (processes of one machine; locks across processes only with
   * several workers), `machines` (a server others may share: per-session locks are always taken in
   * the store, docs/contract.md §4).
   */
  readonly sharing: "process" | "processes" | "machines";
  /**
   * The store is made from a user module (`[session] storageModule`, else the app module), built
   * with the app and re-opened after each rebuild of it; `open` receives its exports.
   */
  readonly userModule?: boolean;
  /**
   * The rules of this store (docs/contract.md §1), run when it is the configured storageType; keys
   * in `ctx.failed` were already reported. Runs without opening anything (`config check`).
   */
  validate?(config: CherryConfig, ctx: RuleContext): void;
  /**
   * Opens the store (or, for cookie, the sealer). `module`: the user module's exports when
   * `userModule`. Throws a CherryError: E_STORE_UNAVAILABLE when the store cannot be reached,
   * E_APP_BUILD when the user module lacks what the store needs.
   */
  open(config: CherryConfig, module?: Record<string, unknown>): Promise<SessionBackend>;
  /**
   * What the store writes under this config, whether or not it is the configured one (a store left
   * from an earlier storageType still holds session ids): never served, never a reason to reload.
   */
  writes?(config: CherryConfig): WrittenPaths;
  /**
   * `cherry init --storage NAME`: the [session] lines, and the `.env` text of a secret the store
   * needs (kept out of the committed RootServer.cfg). Absent: `init` does not offer the store.
   */
  readonly init?: { lines: readonly string[]; env?(): string };
  /** Why `cherry sessions` cannot administer this store; absent when it can. */
  readonly notAdministrable?: string;
  /** The store as `cherry sessions` names it in a question ("the file store in sessions/"); no secret. */
  describe?(config: CherryConfig, relative: (file: string) => string): string;
  readonly admin?: AdminHooks<S>;
}

/** Keeps the literal name (`"ram"`), so the list of stores types `storageType`. */
export function storeDescriptor<const N extends string, S extends SessionStore = SessionStore>(
  descriptor: StoreDescriptor<N, S>,
): StoreDescriptor<N, S> {
  return descriptor;
}

/** The value of a `section.key` id in a resolved config. */
export function configValue(config: CherryConfig, id: ConfigKeyId): unknown {
  const [section, key] = id.split(".") as ["session" | "server", string];
  return (config[section] as unknown as Record<string, unknown>)[key];
}

const requireFromHere = createRequire(import.meta.url);

/**
 * The driver package `pkg` of `store` (or its module `entry`, such as `mysql2/promise`), loaded now
 * (synchronously: the drivers are CommonJS). A missing package is an E_STORE_UNAVAILABLE naming it
 * and the command that installs it.
 */
export function requireDriver<T>(store: string, pkg: string, entry = pkg): T {
  try {
    return requireFromHere(entry) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === "MODULE_NOT_FOUND" && (error as Error).message.includes(`'${entry}'`);
    if (!missing) throw error;
    throw new CherryError(
      "E_STORE_UNAVAILABLE",
      `[store:${store}] the ${store} store needs the ${pkg} package, which is not installed`,
      { hint: `npm install ${pkg}`, cause: error },
    );
  }
}
