import type { CherryConfig } from "../config/types.js";
import type { SessionBackend } from "./store.js";
import { descriptorOf } from "./stores/index.js";

/**
 * Opens the store of `[session] storageType` through its descriptor (src/sessions/stores/); no
 * store for "" (sessions off). `customModule`: the exports of the user module a store is made from
 * (storageModule, or the app module), for the stores whose descriptor says `userModule`.
 * Throws the store's CherryError (E_STORE_UNAVAILABLE, E_APP_BUILD).
 */
export async function createBackend(
  config: CherryConfig,
  customModule?: Record<string, unknown>,
): Promise<SessionBackend> {
  const store = descriptorOf(config.session.storageType);
  return store ? store.open(config, customModule) : {};
}
