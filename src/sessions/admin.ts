/**
 * What `cherry sessions` needs: the configured store opened from outside the server, or a clear
 * reason why this store cannot be administered (its descriptor's `notAdministrable`: cookie, the
 * data is in browsers; ram, it is inside the server process).
 */
import type { CherryConfig } from "../config/types.js";
import { CherryError } from "../errors.js";
import { formatLocation } from "../modules/app-error.js";
import { createAppBuilder } from "../modules/loader.js";
import { createBackend } from "./create-backend.js";
import type { SessionStore } from "./store.js";
import { descriptorOf } from "./stores/index.js";

export async function openAdminStore(config: CherryConfig): Promise<SessionStore> {
  const type = config.session.storageType;
  const descriptor = descriptorOf(type);
  if (!descriptor) throw unsupported("sessions are off ([session] storageType is empty)");
  if (descriptor.notAdministrable) throw unsupported(descriptor.notAdministrable);
  let custom: Record<string, unknown> | undefined;
  if (descriptor.userModule) {
    const entry = config.session.storageModule || config.server.appModule;
    const builder = createAppBuilder(entry, config.dir);
    const built = await builder.build();
    await builder.dispose();
    if (!built.ok) {
      const where = formatLocation(built.error, config.dir) || entry;
      throw new CherryError("E_APP_BUILD", `cannot load ${where}: ${built.error.message}`);
    }
    custom = built.module;
  }
  const backend = await createBackend(config, custom);
  if (!backend.store) throw unsupported(`the ${type} store cannot be administered`);
  return backend.store;
}

/** The file path of a session, when the configured store keeps one file per session. */
export function sessionPath(config: CherryConfig, store: SessionStore, id: string): string | undefined {
  return descriptorOf(config.session.storageType)?.admin?.pathOf?.(store, id);
}

/** How many records a purge will scan, when the configured store counts them cheaply. */
export function scanSize(config: CherryConfig, store: SessionStore): number | undefined {
  return descriptorOf(config.session.storageType)?.admin?.scanSize?.(store);
}

/** What the configured store saw and left alone during the last command, as one line; or undefined. */
export function leftAlone(config: CherryConfig, store: SessionStore): string | undefined {
  return descriptorOf(config.session.storageType)?.admin?.leftAlone?.(store);
}

function unsupported(message: string): CherryError {
  return new CherryError("E_STORE_UNSUPPORTED", message);
}
