import type { CherryConfig } from "../../config/types.js";
import type { SessionStore } from "../store.js";

/**
 * sqlite, redis and postgres: each driver is loaded only when configured. Two query parameters of
 * storageUrl are cherry's own and are removed before the URL reaches the driver, so several apps
 * can share one server: `?prefix=` (redis key prefix, default cherry:sess:) and `?schema=`
 * (postgres schema of the cherry_sessions table).
 */
export async function createDatabaseStore(config: CherryConfig): Promise<SessionStore> {
  const { storageType, storageFile, storageUrl } = config.session;
  if (storageType === "sqlite") {
    const { SqliteStore } = await import("./sqlite.js");
    return new SqliteStore(storageFile);
  }
  const { url, own } = splitUrl(storageUrl, storageType === "redis" ? "prefix" : "schema");
  if (storageType === "redis") {
    const { RedisStore } = await import("./redis.js");
    return RedisStore.connect({ url, prefix: own });
  }
  const { PostgresStore } = await import("./postgres.js");
  return PostgresStore.connect({ url, schema: own });
}

export function splitUrl(raw: string, param: string): { url: string; own?: string } {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { url: raw };
  }
  const own = parsed.searchParams.get(param) ?? undefined;
  if (own === undefined) return { url: raw };
  parsed.searchParams.delete(param);
  return { url: parsed.toString(), own };
}
