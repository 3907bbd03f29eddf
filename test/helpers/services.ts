/**
 * Redis, PostgreSQL, MariaDB (or MySQL) and Chromium: present on CI and the dev machines, maybe not on a laptop. Tests
 * that need one skip with the reason when it is absent, and fail instead under
 * CHERRY_TEST_REQUIRE_SERVICES=1 (which .ci/run sets).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import net from "node:net";
import { describe, it } from "vitest";

export const REQUIRE_SERVICES = process.env.CHERRY_TEST_REQUIRE_SERVICES === "1";
export const REDIS_URL = process.env.CHERRY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
export const POSTGRES_URL = process.env.CHERRY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const MYSQL_URL = process.env.CHERRY_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

export interface Service {
  available: boolean;
  reason: string;
}

function tcp(port: number, greeting?: string, expect?: RegExp): Promise<Service> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const done = (available: boolean, reason: string) => {
      socket.destroy();
      resolve({ available, reason });
    };
    socket.setTimeout(1500, () => done(false, `no answer on 127.0.0.1:${port}`));
    socket.once("error", (e: NodeJS.ErrnoException) =>
      done(false, `127.0.0.1:${port}: ${e.code ?? e.message}`),
    );
    socket.once("connect", () => {
      if (!greeting) return done(true, "");
      socket.write(greeting);
      socket.once("data", (d) =>
        done(expect ? expect.test(d.toString()) : true, `unexpected answer on ${port}`),
      );
    });
  });
}

export const redis = (): Promise<Service> => tcp(6379, "PING\r\n", /PONG/);
export const postgres = async (): Promise<Service> => {
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { available: true, reason: "" };
  } catch (error) {
    return { available: false, reason: `${POSTGRES_URL}: ${(error as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
};
export const mysql = async (): Promise<Service> => {
  const { createConnection } = await import("mysql2/promise");
  try {
    const connection = await createConnection({ uri: MYSQL_URL, connectTimeout: 1500 });
    await connection.query("SELECT 1");
    await connection.end();
    return { available: true, reason: "" };
  } catch (error) {
    return { available: false, reason: `${MYSQL_URL}: ${(error as Error).message}` };
  }
};
export const chromium = async (): Promise<Service & { path?: string }> => {
  try {
    const path = execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], {
      encoding: "utf8",
    }).trim();
    return path
      ? { available: true, reason: "", path }
      : { available: false, reason: "chromium is not installed" };
  } catch {
    return { available: false, reason: "chromium is not installed (apt-get install chromium)" };
  }
};

/**
 * Registers `body` when the service is up; otherwise a visible skip with the reason, or a failing
 * test when services are required.
 */
export function describeWithService(name: string, service: Service, body: () => void): void {
  if (service.available) {
    describe(name, body);
  } else if (REQUIRE_SERVICES) {
    describe(name, () => {
      it(`needs its service (CHERRY_TEST_REQUIRE_SERVICES=1): ${service.reason}`, () => {
        throw new Error(`service unavailable: ${service.reason}`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${service.reason})`, () => {
      it("needs a service", () => undefined);
    });
  }
}

/**
 * A short hash of the checkout's folder, part of every namespace below, so that two checkouts can run
 * their suites against the same Redis and PostgreSQL at once without removing each other's data.
 */
const CHECKOUT = createHash("sha1").update(process.cwd()).digest("hex").slice(0, 6);
const ns = (tag: string): string => `${tag}_${CHECKOUT}`;

/** storageUrl of the shared Redis in the test namespace `tag` (what dropTestNamespace removes). */
export const testRedisUrl = (tag: string): string => `${REDIS_URL}?prefix=cherry-test:${ns(tag)}:`;
/** storageUrl of the shared PostgreSQL in the test namespace `tag` (what dropTestNamespace removes). */
export const testPostgresUrl = (tag: string): string => `${POSTGRES_URL}?schema=cherry_test_${ns(tag)}`;

/** storageUrl of the shared MariaDB/MySQL in the test namespace `tag`: its own table (what dropTestNamespace removes). */
export const testMysqlUrl = (tag: string): string => `${MYSQL_URL}?table=cherry_test_${ns(tag)}`;

/**
 * `[session]` lines for the redis, postgres and mysql stores in the namespace `tag`, for each service that
 * is up (or required: absent, it then fails loudly); an absent one is left out with a warning.
 */
export async function sharedStores(tag: string, what: string): Promise<Record<string, string>> {
  const stores: Record<string, string> = {};
  for (const [name, probe, line] of [
    ["redis", redis, `storageType = redis\nstorageUrl = ${testRedisUrl(tag)}`],
    ["postgres", postgres, `storageType = postgres\nstorageUrl = ${testPostgresUrl(tag)}`],
    ["mysql", mysql, `storageType = mysql\nstorageUrl = ${testMysqlUrl(tag)}`],
  ] as const) {
    const service = await probe();
    if (service.available || REQUIRE_SERVICES) stores[name] = line;
    else console.warn(`[test] ${what}: ${name} skipped: ${service.reason}`);
  }
  return stores;
}

/**
 * Removes what a test left in the shared services under its tag: Redis keys `cherry-test:<tag>:*`,
 * schema `cherry_test_<tag>`, tables `cherry_test_<tag>` and `cherry_test_<tag>_locks`.
 */
export async function dropTestNamespace(
  tag: string,
  which: { redis?: boolean; postgres?: boolean; mysql?: boolean },
): Promise<void> {
  if (which.redis) {
    const { createClient } = await import("redis");
    const admin = createClient({ url: REDIS_URL });
    await admin.connect();
    for await (const keys of admin.scanIterator({ MATCH: `cherry-test:${ns(tag)}:*` }))
      if (keys.length) await admin.unlink(keys);
    await admin.close();
  }
  if (which.postgres) {
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS cherry_test_${ns(tag)} CASCADE`);
    await admin.end();
  }
  if (which.mysql) await dropMysqlTables(`cherry_test_${ns(tag)}`);
}

/** Drops a session table of the shared MariaDB/MySQL and its lock table. */
export async function dropMysqlTables(table: string): Promise<void> {
  const { createConnection } = await import("mysql2/promise");
  const admin = await createConnection({ uri: MYSQL_URL });
  await admin.query(`DROP TABLE IF EXISTS \`${table}\`, \`${table}_locks\``);
  await admin.end();
}
