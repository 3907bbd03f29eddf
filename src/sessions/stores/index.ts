/**
 * The stores cherry knows, one descriptor each (./_descriptor.ts), in the order the config
 * reference and messages list them. A new store is one file in this folder exporting `descriptor`,
 * one line here and its contract test (README, "Adding a store"); test/sessions/stores/descriptors.test.ts
 * fails when a store file is not listed. Importing this module loads no database driver.
 */
import type { CherryConfig } from "../../config/types.js";
import type { SessionStore } from "../store.js";
import { configValue, type StoreDescriptor, type WrittenPaths } from "./_descriptor.js";
import { descriptor as cookie } from "./cookie.js";
import { descriptor as custom } from "./custom.js";
import { descriptor as file } from "./file.js";
import { descriptor as mysql } from "./mysql.js";
import { descriptor as postgres } from "./postgres.js";
import { descriptor as ram } from "./ram.js";
import { descriptor as redis } from "./redis.js";
import { descriptor as sqlite } from "./sqlite.js";

export const STORES = [ram, file, cookie, custom, sqlite, redis, postgres, mysql] as const;

/** A `[session] storageType` other than "" (sessions off). */
export type StoreName = (typeof STORES)[number]["name"];

export const STORE_NAMES: readonly StoreName[] = STORES.map((d) => d.name);

/** The descriptor of `storageType`; undefined for "" (sessions off) or an unknown name. */
export function descriptorOf(storageType: string): StoreDescriptor | undefined {
  return (STORES as readonly StoreDescriptor[]).find((d) => d.name === storageType);
}

/**
 * Whether a reload from config `a` to `b` may keep the open store: the same storageType and the
 * same value of every key the store is built from (its descriptor's `keys`). Keys the store takes in
 * place (`tune`, ram's bounds) do not count: apply them with `tuneStore`.
 */
export function sameStore(a: CherryConfig, b: CherryConfig): boolean {
  if (a.session.storageType !== b.session.storageType) return false;
  const store = descriptorOf(b.session.storageType);
  return store === undefined || store.keys.every((id) => configValue(a, id) === configValue(b, id));
}

/** Applies `config`'s in-place keys (ram's bounds) to a store `sameStore` kept. */
export function tuneStore(store: SessionStore | undefined, config: CherryConfig): void {
  const tune = descriptorOf(config.session.storageType)?.tune;
  if (store && tune) tune.apply(store, config);
}

/** Whether the configured store is made from a user module (custom): built with the app, re-opened after each rebuild. */
export function storeFromUserModule(config: CherryConfig): boolean {
  return descriptorOf(config.session.storageType)?.userModule === true;
}

/**
 * Whether per-session locks must be taken in the store (docs/contract.md §4): with `locking =
 * implicit`, when several workers share it or the store is one several machines may share.
 */
export function locksAcrossProcesses(config: CherryConfig): boolean {
  const store = descriptorOf(config.session.storageType);
  return (
    config.session.locking === "implicit" &&
    store !== undefined &&
    (config.server.processPool > 1 || store.sharing === "machines")
  );
}

/**
 * What a server running `config` writes: its store's files and folders, the log file and the Unix
 * socket. Absolute paths; a folder counts with everything under it. Never a reason to reload.
 */
export function serverWrittenPaths(config: CherryConfig): WrittenPaths {
  const own = descriptorOf(config.session.storageType)?.writes?.(config) ?? { files: [], dirs: [] };
  const files = [...own.files, config.server.logFile, config.server.socketFile].filter((f) => f !== "");
  return { files, dirs: [...own.dirs] };
}

/** What every store would write under `config`, each with its name (a store left from an earlier storageType). */
export function storeWrites(config: CherryConfig): { name: StoreName; paths: WrittenPaths }[] {
  return STORES.flatMap((d) => (d.writes ? [{ name: d.name, paths: d.writes(config) }] : []));
}
