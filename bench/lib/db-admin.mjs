// `cherry sessions ls --json` and `purge` on N sqlite, Redis, PostgreSQL and MySQL sessions, half expired.
// Each store is filled directly, in bulk, in the layout cherry's store creates, then the CLI runs against it as a user would run it.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { available, dropMysql, MYSQL_URL, POSTGRES_URL, REDIS_URL, ROOT } from "./servers.mjs";
import { timedNode } from "./timed.mjs";

const CLI = path.join(ROOT, "bin/cherry.js");
const require = createRequire(import.meta.url);
const HOUR = 3_600_000;

const id = () => randomBytes(20).toString("hex");
const data = (i) => JSON.stringify({ pageViews: i, user: `user${i}` });

async function fillSqlite(dir, n) {
  // The store creates its own schema; then rows go in one transaction.
  const { SqliteStore } = await import(path.join(ROOT, "dist/sessions/stores/sqlite.js"));
  const file = path.join(dir, "sessions.db");
  new SqliteStore(file).close();
  const Database = require("better-sqlite3");
  const db = new Database(file);
  const insert = db.prepare("INSERT INTO cherry_sessions (id, data, expires_at) VALUES (?, ?, ?)");
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(id(), data(i), i % 2 ? now + HOUR : now - HOUR);
  })();
  db.close();
  return "storageType = sqlite";
}

async function fillRedis(_dir, n, tag) {
  // Redis expires keys itself: the expired half gets a 1 s life and is gone before the commands run.
  const { createClient } = await import("redis");
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  const at = Date.now();
  for (let start = 0; start < n; start += 5000) {
    const multi = client.multi();
    for (let i = start; i < Math.min(n, start + 5000); i++)
      multi.set(`${tag}:${id()}`, data(i), {
        expiration: { type: "PXAT", value: i % 2 ? at + HOUR : at + 1000 },
      });
    await multi.execAsPipeline();
  }
  await client.close();
  await new Promise((r) => setTimeout(r, Math.max(0, at + 1500 - Date.now())));
  return `storageType = redis\nstorageUrl = ${REDIS_URL}?prefix=${tag}:`;
}

async function fillPostgres(_dir, n, tag) {
  const pg = (await import("pg")).default;
  const { PostgresStore } = await import(path.join(ROOT, "dist/sessions/stores/postgres.js"));
  const store = await PostgresStore.connect({ url: POSTGRES_URL, schema: tag });
  await store.close();
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(
    `INSERT INTO ${tag}.cherry_sessions (id, data, expires_at)
     SELECT substr(md5(random()::text) || md5(random()::text), 1, 40), jsonb_build_object('pageViews', i, 'user', 'user' || i),
            now() + CASE WHEN i % 2 = 1 THEN interval '1 hour' ELSE interval '-1 hour' END
     FROM generate_series(0, $1 - 1) AS i`,
    [n],
  );
  await client.end();
  return `storageType = postgres\nstorageUrl = ${POSTGRES_URL}?schema=${tag}`;
}

async function fillMysql(_dir, n, tag) {
  const { MysqlStore } = await import(path.join(ROOT, "dist/sessions/stores/mysql.js"));
  const store = await MysqlStore.connect({ url: MYSQL_URL, table: tag });
  await store.close();
  const mysql = (await import("mysql2/promise")).default;
  const client = await mysql.createConnection({ uri: MYSQL_URL });
  const now = Date.now() / 1000;
  for (let start = 0; start < n; start += 5000) {
    const rows = [];
    for (let i = start; i < Math.min(n, start + 5000); i++)
      rows.push([id(), data(i), i % 2 ? now + 3600 : now - 3600]);
    await client.query(`INSERT INTO \`${tag}\` (sessionId, sessionData, expirationTime) VALUES ?`, [rows]);
  }
  await client.end();
  return `storageType = mysql\nstorageUrl = ${MYSQL_URL}?table=${tag}`;
}

async function dropPostgres(tag) {
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${tag} CASCADE`);
  await client.end();
}

async function dropRedis(tag) {
  const { createClient } = await import("redis");
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  for await (const keys of client.scanIterator({ MATCH: `${tag}:*`, COUNT: 1000 }))
    if (keys.length) await client.unlink(keys);
  await client.close();
}

const STORES = [
  { name: "sqlite", fill: fillSqlite },
  { name: "redis", fill: fillRedis, needs: "redis", drop: dropRedis },
  { name: "postgres", fill: fillPostgres, needs: "postgres", drop: dropPostgres },
  { name: "mysql", fill: fillMysql, needs: "mysql", drop: dropMysql },
];

/**
 * Rows of {name, seconds, rssMB}: ls --json then purge, for each store, each on fresh data; with
 * `picked` (bench --contenders), only the stores whose "cherry NAME" contender is picked.
 */
export async function databaseAdminScenario({ sessions, log, picked }) {
  const rows = [];
  for (const store of STORES.filter((s) => !picked || picked.includes(`cherry ${s.name}`))) {
    if (store.needs && !(await available(store.needs))) {
      log(`  ${store.name}: skipped (${store.needs} is not running)`);
      continue;
    }
    for (const command of [["ls", "--json"], ["purge"]]) {
      const dir = mkdtempSync(path.join(tmpdir(), "cherry-bench-admin-"));
      const tag = `benchadmin${randomBytes(4).toString("hex")}`;
      try {
        const session = await store.fill(dir, sessions, tag);
        writeFileSync(path.join(dir, "RootServer.cfg"), `[session]\n${session}\n`);
        const result = await timedNode([CLI, "sessions", ...command], dir);
        const name = `cherry ${store.name} ${command.join(" ")}`;
        rows.push({ name, seconds: result.seconds, rssMB: result.rssMB });
        log(
          `  ${name}: ${result.seconds.toFixed(2)} s, peak RSS ${result.rssMB.toFixed(0)} MB ${result.stderr.split("\n")[0]}`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await store.drop?.(tag);
      }
    }
  }
  return rows;
}
