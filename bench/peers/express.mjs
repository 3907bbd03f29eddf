// Express 5, with express-session and one of its stores when a store is named:
// none | memory | file | redis | sqlite | mysql.
import { randomBytes } from "node:crypto";
import express from "express";
import session from "express-session";
import { listen } from "./_listen.mjs";

const kind = process.argv[2] ?? "none";
const app = express();
app.disable("x-powered-by");

if (kind !== "none") {
  app.use(
    session({
      secret: randomBytes(32).toString("hex"),
      resave: false,
      saveUninitialized: false,
      store: await storeFor(kind),
    }),
  );
}
app.get("/hello", (_req, res) => res.send("hello"));
app.get("/", (req, res) => {
  if (!req.session) return res.send("no session");
  req.session.count = (req.session.count ?? 0) + 1;
  res.send(String(req.session.count));
});
listen(app);

async function storeFor(name) {
  if (name === "memory") return new session.MemoryStore();
  if (name === "file") {
    const FileStore = (await import("session-file-store")).default(session);
    return new FileStore({ path: process.env.BENCH_DIR, logFn: () => {}, reapInterval: -1 });
  }
  if (name === "redis") {
    const { createClient } = await import("redis");
    const { RedisStore } = await import("connect-redis");
    // BENCH_REDIS_NO_TIMEOUT=1: without node-redis's per-command timer, as cherry runs it (a fairness check).
    const client = createClient({
      url: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/0",
      ...(process.env.BENCH_REDIS_NO_TIMEOUT ? { commandOptions: { timeout: 0 } } : {}),
    });
    await client.connect();
    return new RedisStore({ client, prefix: process.env.BENCH_PREFIX ?? "bench:" });
  }
  if (name === "sqlite") {
    const { SqliteSessionStore } = await import("./sqlite-store.mjs");
    return new SqliteSessionStore(session, `${process.env.BENCH_DIR}/express.db`);
  }
  if (name === "mysql") {
    // express-mysql-session's defaults: its own pool, its `sessions` table (here under a name of the run).
    const MySQLStore = (await import("express-mysql-session")).default(session);
    const url = new URL(process.env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test");
    const store = new MySQLStore({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
      schema: { tableName: process.env.BENCH_TABLE ?? "sessions" },
    });
    await store.onReady();
    return store;
  }
  throw new Error(`unknown store ${name}`);
}
