/**
 * What `cherry sessions` needs: the configured store opened from outside the server, or a clear
 * reason why this store cannot be administered (cookie: the data is in browsers; ram: it is inside
 * the server process).
 */
import type { CherryConfig } from "../config/types.js";
import { CherryError } from "../errors.js";
import { formatLocation } from "../modules/app-error.js";
import { createAppBuilder } from "../modules/loader.js";
import { createBackend } from "./create-backend.js";
import type { SessionStore } from "./store.js";
import { FileStore } from "./stores/file.js";

export async function openAdminStore(config: CherryConfig): Promise<SessionStore> {
  const type = config.session.storageType;
  if (type === "") throw unsupported("sessions are off ([session] storageType is empty)");
  if (type === "cookie") {
    throw unsupported(
      "the cookie store keeps each session sealed in its browser: there is nothing on the server to list or purge",
    );
  }
  if (type === "ram") {
    throw unsupported(
      "RAM sessions live inside the running server process: nothing outside it can list or purge them",
    );
  }
  let custom: Record<string, unknown> | undefined;
  if (type === "custom") {
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

/** The file path of a session, when the store keeps one file per session. */
export function sessionPath(store: SessionStore, id: string): string | undefined {
  return store instanceof FileStore ? store.pathOf(id) : undefined;
}

function unsupported(message: string): CherryError {
  return new CherryError("E_STORE_UNSUPPORTED", message);
}
