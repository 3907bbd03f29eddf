import type { CherryConfig } from "../../config/types.js";
import { CherryError } from "../../errors.js";
import type { SessionStore } from "../store.js";

/** sqlite, redis and postgres: loaded only when configured, so their drivers cost nothing otherwise. */
export async function createDatabaseStore(config: CherryConfig): Promise<SessionStore> {
  throw new CherryError(
    "E_STORE_UNSUPPORTED",
    `storageType = ${config.session.storageType} is not available yet in this version of cherry`,
    { hint: "use ram, file, cookie or custom" },
  );
}
