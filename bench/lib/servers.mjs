// Starts each contender as its own process on a free port and stops it again.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, "../..");
const CHERRY = path.join(ROOT, "bin/cherry.js");
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/0";
export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

const peer = (script, args = [], needs) => ({ kind: "peer", script, args, needs });
const cherry = (session, needs) => ({ kind: "cherry", session, needs });

/** Every contender: a peer script with its arguments, or cherry with a [session] section. */
export const CONTENDERS = {
  "node:http": peer("bare.mjs"),
  "Map session (hand-written)": peer("map-session.mjs"),
  "express 5": peer("express.mjs", ["none"]),
  "express-session MemoryStore": peer("express.mjs", ["memory"]),
  "express-session + session-file-store": peer("express.mjs", ["file"]),
  "express-session + connect-redis": peer("express.mjs", ["redis"], "redis"),
  "express-session + better-sqlite3 store": peer("express.mjs", ["sqlite"]),
  "express-session + express-mysql-session": peer("express.mjs", ["mysql"], "mysql"),
  "cookie-session": peer("cookie-session.mjs"),
  "cherry (sessions off)": cherry(""),
  "cherry ram": cherry("storageType = ram"),
  "cherry file": cherry("storageType = file\nstorageFileDir = sessions"),
  "cherry cookie": cherry(`storageType = cookie\nsecret = ${randomBytes(32).toString("base64url")}`),
  "cherry sqlite": cherry("storageType = sqlite"),
  "cherry redis": cherry(`storageType = redis\nstorageUrl = ${REDIS_URL}?prefix={prefix}`, "redis"),
  "cherry postgres": cherry(
    `storageType = postgres\nstorageUrl = ${POSTGRES_URL}?schema={schema}`,
    "postgres",
  ),
  "cherry mysql": cherry(`storageType = mysql\nstorageUrl = ${MYSQL_URL}?table={schema}`, "mysql"),
};

/** Starts a contender; resolves with its URL and a stop() that ends it and cleans its files up. */
export async function start(name, { workers } = {}) {
  const spec = CONTENDERS[name];
  const dir = mkdtempSync(path.join(tmpdir(), "cherry-bench-"));
  const tag = `bench${randomBytes(4).toString("hex")}`;
  let child;
  if (spec.kind === "peer") {
    child = spawn(process.execPath, [path.join(HERE, "../peers", spec.script), ...spec.args], {
      env: {
        ...process.env,
        BENCH_DIR: dir,
        BENCH_PREFIX: `${tag}:`,
        BENCH_TABLE: tag,
        BENCH_REDIS_URL: REDIS_URL,
        BENCH_MYSQL_URL: MYSQL_URL,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
  } else {
    mkdirSync(path.join(dir, "src"));
    copyFileSync(path.join(HERE, "../app/src/root.ts"), path.join(dir, "src/root.ts"));
    const session = spec.session.replace("{prefix}", `${tag}:`).replaceAll("{schema}", tag);
    writeFileSync(
      path.join(dir, "RootServer.cfg"),
      `[server]\nsocketPort = 0\nlogToScreen = 0\n[session]\n${session}\n`,
    );
    const args = [CHERRY, "serve", "--no-watch", "-c", path.join(dir, "RootServer.cfg")];
    if (workers) args.push("--workers", String(workers));
    child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  }
  const url = await readyUrl(child);
  return {
    url,
    dir,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      await cleanupServices(tag);
    },
  };
}

function readyUrl(child) {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    };
    child.stdout.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`exited with ${code} before listening:\n${out}`)));
  });
}

async function cleanupServices(tag) {
  try {
    const { createClient } = await import("redis");
    const client = createClient({ url: REDIS_URL });
    client.on("error", () => {});
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${tag}:*`, COUNT: 1000 }))
      if (keys.length) await client.unlink(keys);
    await client.close();
  } catch {
    // Redis absent: nothing of ours there.
  }
  try {
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 1000 });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${tag} CASCADE`);
    await client.end();
  } catch {
    // PostgreSQL absent.
  }
  await dropMysql(tag);
}

/** Drops the session and lock tables a mysql contender made under `tag`. */
export async function dropMysql(tag) {
  try {
    const mysql = (await import("mysql2/promise")).default;
    const client = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 1000 });
    await client.query(`DROP TABLE IF EXISTS \`${tag}\`, \`${tag}_locks\``);
    await client.end();
  } catch {
    // MySQL absent.
  }
}

/** Whether a service a contender needs answers here. */
export async function available(service) {
  if (!service) return true;
  const net = await import("node:net");
  const port = { redis: 6379, postgres: 5432, mysql: 3306 }[service];
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.setTimeout(1000, () => resolve(false));
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
