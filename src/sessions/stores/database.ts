import type { CherryConfig } from "../../config/types.js";
import type { SessionStore } from "../store.js";

/**
 * sqlite, redis and postgres: each driver is loaded only when configured. Some query parameters of
 * storageUrl are cherry's own and are removed before the URL reaches the driver: `?prefix=` (redis
 * key prefix, default cherry:sess:, so several apps can share one server), `?commandTimeout=` (redis:
 * ms without an answer after which the connection is deemed stuck and replaced, default 5000) and
 * `?schema=` (postgres schema of the cherry_sessions table) and `?poolSize=` (postgres connections
 * per process, default 10).
 */
export async function createDatabaseStore(config: CherryConfig): Promise<SessionStore> {
  const { storageType, storageFile, storageUrl } = config.session;
  if (storageType === "sqlite") {
    const { SqliteStore } = await import("./sqlite.js");
    return new SqliteStore(storageFile);
  }
  if (storageType === "redis") {
    const { url, own } = splitUrl(storageUrl, ["prefix", "commandTimeout"]);
    const { RedisStore } = await import("./redis.js");
    const timeout = Number(own.commandTimeout);
    return RedisStore.connect({
      url,
      prefix: own.prefix,
      commandTimeoutMs: timeout > 0 ? timeout : undefined,
    });
  }
  const { url, own } = splitUrl(storageUrl, ["schema", "poolSize"]);
  const { PostgresStore } = await import("./postgres.js");
  const poolSize = Number(own.poolSize);
  return PostgresStore.connect({
    url,
    schema: own.schema,
    poolSize: Number.isInteger(poolSize) && poolSize > 0 ? poolSize : undefined,
  });
}

/** The URL without cherry's own query parameters, and their values. */
export function splitUrl(
  raw: string,
  params: readonly string[],
): { url: string; own: Record<string, string | undefined> } {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { url: raw, own: {} };
  }
  const own: Record<string, string | undefined> = {};
  for (const param of params) {
    own[param] = parsed.searchParams.get(param) ?? undefined;
    parsed.searchParams.delete(param);
  }
  return { url: Object.values(own).some((v) => v !== undefined) ? parsed.toString() : raw, own };
}
