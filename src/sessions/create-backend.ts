import type { CherryConfig, SessionConfig } from "../config/types.js";
import { CherryError } from "../errors.js";
import type { SessionBackend } from "./manager.js";
import { CookieSealer } from "./stores/cookie.js";
import { CustomStore, type CustomStoreFunctions, missingCustomFunctions } from "./stores/custom.js";
import { FileStore } from "./stores/file.js";
import { type RamLimits, RamStore } from "./stores/ram.js";

/** The ram store's bounds from `[session] ramMaxSessions` and `ramMaxBytes`. */
export function ramLimits(session: SessionConfig): RamLimits {
  return { maxSessions: session.ramMaxSessions, maxBytes: session.ramMaxBytes };
}

/**
 * The store of `[session] storageType`. `customModule` is the module that exports the custom
 * functions (storageModule, or the app module); only the custom store reads it.
 */
export async function createBackend(
  config: CherryConfig,
  customModule?: Record<string, unknown>,
): Promise<SessionBackend> {
  const session = config.session;
  switch (session.storageType) {
    case "":
      return {};
    case "ram":
      return { store: new RamStore(ramLimits(session)) };
    case "file":
      return { store: new FileStore(session.storageFileDir) };
    case "cookie":
      return { sealer: new CookieSealer(session.secret || config.server.siteKey, session.cookieName) };
    case "custom": {
      const missing = missingCustomFunctions(customModule ?? {});
      if (missing.length > 0) {
        const where = session.storageModule || config.server.appModule;
        throw new CherryError(
          "E_APP_BUILD",
          `storageType = custom, but ${where} does not export ${missing.join(", ")}`,
          {
            hint: "export saveSessionData, loadSessionData and cleanUpOldSessions (the README's Sessions table), or set [session] storageModule",
          },
        );
      }
      return { store: new CustomStore(customModule as unknown as CustomStoreFunctions) };
    }
    default: {
      const { createDatabaseStore } = await import("./stores/database.js");
      return { store: await createDatabaseStore(config) };
    }
  }
}
