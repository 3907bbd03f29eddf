// What one stored session costs each store: the counter template's data ({"pageViews": 1}) and a
// 10 KB session, N sessions saved through the store, then measured where the store keeps them:
// ram: V8 heap growth after a full GC; file: disk blocks the folder's files take (du);
// sqlite: the database and WAL size after a checkpoint; redis: used_memory growth (INFO memory);
// postgres: pg_total_relation_size of the table (data, TOAST and index).
// Usage: node --expose-gc bench/flood-cost.mjs [N] (needs npm run build; redis/postgres when up).
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FileStore } from "../dist/sessions/stores/file.js";
import { RamStore } from "../dist/sessions/stores/ram.js";
import { SqliteStore } from "../dist/sessions/stores/sqlite.js";

const N = Number(process.argv[2] ?? 10_000);
const REDIS_URL = process.env.CHERRY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const POSTGRES_URL = process.env.CHERRY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SHAPES = {
  counter: () => ({ pageViews: 1 }),
  "10 KB": () => ({ blob: randomBytes(5120).toString("hex") }),
};
const id = () => randomBytes(20).toString("hex");
const expiresAt = () => Date.now() + 3_600_000;
const gc = () => globalThis.gc?.();
const rows = [];
const report = (store, shape, bytes) => rows.push({ store, shape, perSession: Math.round(bytes / N) });

async function fill(store, shape) {
  for (let i = 0; i < N; i++) await store.set(id(), { data: SHAPES[shape](), expiresAt: expiresAt() });
}

for (const shape of Object.keys(SHAPES)) {
  gc();
  const before = process.memoryUsage().heapUsed;
  const store = new RamStore({ maxSessions: N, maxBytes: 2 ** 40 });
  await fill(store, shape);
  gc();
  report("ram", shape, process.memoryUsage().heapUsed - before);

  const dir = mkdtempSync(path.join(tmpdir(), "cherry-cost-"));
  const files = new FileStore(path.join(dir, "s"));
  await fill(files, shape);
  const blocks = readdirSync(files.dir).reduce(
    (sum, f) => sum + statSync(path.join(files.dir, f)).blocks * 512,
    0,
  );
  report("file", shape, blocks + statSync(files.dir).blocks * 512);

  const sqlite = new SqliteStore(path.join(dir, "sessions.db"));
  await fill(sqlite, shape);
  sqlite.close(); // checkpoints the WAL into the database
  report("sqlite", shape, statSync(path.join(dir, "sessions.db")).size);
  rmSync(dir, { recursive: true, force: true });

  try {
    const { RedisStore } = await import("../dist/sessions/stores/redis.js");
    const { createClient } = await import("redis");
    const prefix = `cherry-cost:${randomBytes(4).toString("hex")}:`;
    const admin = createClient({ url: REDIS_URL });
    await admin.connect();
    const used = async () => Number(/used_memory:(\d+)/.exec(await admin.info("memory"))[1]);
    const redis = await RedisStore.connect({ url: REDIS_URL, prefix });
    const start = await used();
    await fill(redis, shape);
    report("redis", shape, (await used()) - start);
    await redis.purge({ now: Date.now(), all: true });
    await redis.close();
    await admin.close();
  } catch (error) {
    console.error(`redis skipped: ${error.message}`);
  }

  try {
    const { PostgresStore } = await import("../dist/sessions/stores/postgres.js");
    const pg = (await import("pg")).default;
    const schema = `cherry_cost_${randomBytes(4).toString("hex")}`;
    const store = await PostgresStore.connect({ url: POSTGRES_URL, schema, poolSize: 4 });
    await fill(store, shape);
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`VACUUM ANALYZE "${schema}".cherry_sessions`);
    const { rows: size } = await admin.query(
      `SELECT pg_total_relation_size('"${schema}".cherry_sessions') AS n`,
    );
    report("postgres", shape, Number(size[0].n));
    await store.close();
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.end();
  } catch (error) {
    console.error(`postgres skipped: ${error.message}`);
  }
}

console.log(`bytes per stored session, ${N} sessions (${process.version}):`);
console.log('| store | counter ({"pageViews": 1}) | 10 KB session |');
console.log("|---|---|---|");
for (const store of ["ram", "file", "sqlite", "redis", "postgres"]) {
  const cells = Object.keys(SHAPES).map(
    (shape) => rows.find((r) => r.store === store && r.shape === shape)?.perSession ?? "-",
  );
  console.log(`| ${store} | ${cells.join(" | ")} |`);
}
