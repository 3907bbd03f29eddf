/**
 * Only cherry's records are ever listed or removed: every store that lists or purges is given
 * foreign data beside its sessions (an app's own keys, rows and files, look-alike names, held locks)
 * and must list only the sessions and leave everything else as it was, through a sweep
 * (purge) and `purge --all` (purge all) alike, which are what `cherry sessions ls/purge` call.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { createClient } from "redis";
import { describe, expect, it } from "vitest";
import { newSessionId } from "../../src/sessions/ids.js";
import type { SessionStore } from "../../src/sessions/store.js";
import { CustomStore } from "../../src/sessions/stores/custom.js";
import { FileStore } from "../../src/sessions/stores/file.js";
import { PostgresStore } from "../../src/sessions/stores/postgres.js";
import { RedisStore } from "../../src/sessions/stores/redis.js";
import { SqliteStore } from "../../src/sessions/stores/sqlite.js";
import { Client, serveApp } from "../helpers/app.js";
import { cherry } from "../helpers/cli.js";
import { describeWithService, POSTGRES_URL, postgres, REDIS_URL, redis } from "../helpers/services.js";
import { tempDir } from "../helpers/tmp.js";

const HOUR = 3_600_000;
const UPPER = "ABCDEF0123".repeat(4);

async function listed(store: SessionStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const s of store.list?.() ?? []) ids.push(s.id);
  return ids.sort();
}

/** Two live sessions (and a held lock on the first), written through the store. */
async function sessions(store: SessionStore): Promise<string[]> {
  const ids = [newSessionId(), newSessionId()].sort();
  for (const id of ids) await store.set(id, { data: { user: id.slice(0, 4) }, expiresAt: Date.now() + HOUR });
  return ids;
}

/** The checks every store gets: ls lists the sessions only; a sweep and purge --all remove sessions only. */
async function onlySessions(store: SessionStore, ids: string[], foreignLeft: () => Promise<unknown>) {
  const before = await foreignLeft();
  expect(await listed(store)).toEqual(ids);
  const swept = await store.purge?.({ now: Date.now() });
  expect(swept).toMatchObject({ removed: 0, kept: 2 });
  expect(await foreignLeft()).toEqual(before);
  const all = await store.purge?.({ now: Date.now(), all: true });
  expect(all).toMatchObject({ removed: 2, kept: 0 });
  expect(await listed(store)).toEqual([]);
  expect(await foreignLeft()).toEqual(before);
}

describe("file store: foreign files", () => {
  it("lists and removes session-<40 hex>.json regular files only", async () => {
    const dir = tempDir({ "outside.txt": "{}" });
    const sessionsDir = path.join(dir, "s");
    const store = new FileStore(sessionsDir);
    const ids = await sessions(store);
    const release = await store.tryLock(ids[0], 60_000);
    const foreign = {
      "notes.txt": "mine",
      [`session-${UPPER}.json`]: "{}",
      [`session-${"a".repeat(40)}.json.bak`]: "{}",
      [`session-${"b".repeat(39)}.json`]: "{}",
    };
    for (const [name, text] of Object.entries(foreign)) writeFileSync(path.join(sessionsDir, name), text);
    mkdirSync(path.join(sessionsDir, `session-${"c".repeat(40)}.json`));
    symlinkSync(path.join(dir, "outside.txt"), path.join(sessionsDir, `session-${"d".repeat(40)}.json`));
    await onlySessions(store, ids, async () =>
      readdirSync(sessionsDir)
        .filter((n) => !n.startsWith(`session-${ids[0]}`) && !n.startsWith(`session-${ids[1]}`))
        .sort(),
    );
    expect(readdirSync(sessionsDir)).toContain(`.lock-${ids[0]}`);
    await release?.();
  });
});

describe("sqlite store: foreign rows and tables", () => {
  it("lists and removes rows with a session id only, in cherry_sessions only", async () => {
    const file = path.join(tempDir(), "sessions.db");
    const store = new SqliteStore(file);
    const ids = await sessions(store);
    const release = store.tryLock(ids[0], 60_000);
    const db = new Database(file);
    db.exec("CREATE TABLE app_notes (k TEXT, v TEXT); INSERT INTO app_notes VALUES ('motd', 'hello')");
    const insert = db.prepare("INSERT INTO cherry_sessions (id, data, expires_at) VALUES (?, ?, ?)");
    insert.run("ratelimit:1.2.3.4", "17", 0);
    insert.run(UPPER, "{}", 0);
    insert.run(`${"e".repeat(40)}x`, "{}", 0);
    insert.run("f".repeat(39), "not json", Date.now() + HOUR);
    const foreignLeft = async () => ({
      notes: db.prepare("SELECT * FROM app_notes").all(),
      rows: db.prepare("SELECT id FROM cherry_sessions WHERE id NOT IN (?, ?) ORDER BY id").all(...ids),
      locks: db.prepare("SELECT id FROM cherry_session_locks").all(),
    });
    expect((await foreignLeft()).locks).toEqual([{ id: ids[0] }]);
    await onlySessions(store, ids, foreignLeft);
    db.close();
    release?.();
    store.close();
  });
});

describeWithService("redis store: foreign keys under the prefix", await redis(), () => {
  it("lists and removes <prefix><40 hex> keys only, glob characters in the prefix escaped", async () => {
    const tag = randomBytes(4).toString("hex");
    // A prefix full of glob characters: unescaped, `my*app?[x]\` would match other apps' keys.
    const prefix = `cherry-test:${tag}:my*app?[x]\\:`;
    const admin = createClient({ url: REDIS_URL });
    await admin.connect();
    const store = await RedisStore.connect({ url: REDIS_URL, prefix });
    try {
      const ids = await sessions(store);
      const release = await store.tryLock(ids[0], 60_000);
      const json = JSON.stringify({ user: "someone else" });
      const foreign: Record<string, string> = {
        [`${prefix}ratelimit:1.2.3.4`]: "17",
        [`${prefix}${UPPER}`]: json,
        [`${prefix}${"a".repeat(40)}:meta`]: json,
        [`${prefix}${"b".repeat(39)}`]: "not json",
        // Matched by the unescaped pattern (`*`, `?` and `[x]` as globs), not by the prefix:
        [`cherry-test:${tag}:myOTHERappZx\\:${"c".repeat(40)}`]: json,
        [`cherry-test:${tag}:my*app?x\\:${"d".repeat(40)}`]: json,
      };
      for (const [key, value] of Object.entries(foreign)) await admin.set(key, value);
      const foreignLeft = async () => {
        const left: Record<string, string | null> = {};
        for (const key of Object.keys(foreign)) left[key] = await admin.get(key);
        left.lock = await admin.get(`${prefix}lock:${ids[0]}`);
        return left;
      };
      expect((await foreignLeft()).lock).not.toBeNull();
      await onlySessions(store, ids, foreignLeft);
      await release?.();
    } finally {
      await store.close();
      for await (const keys of admin.scanIterator({ MATCH: `cherry-test:${tag}:*` }))
        if (keys.length) await admin.unlink(keys);
      await admin.close();
    }
  });
});

describeWithService("postgres store: foreign rows and tables", await postgres(), () => {
  it("lists and removes rows with a session id only", async () => {
    const schema = `cherry_test_${randomBytes(4).toString("hex")}`;
    const store = await PostgresStore.connect({ url: POSTGRES_URL, schema, poolSize: 2 });
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const ids = await sessions(store);
      const release = await store.tryLock(ids[0], 60_000);
      await admin.query(`CREATE TABLE "${schema}".app_notes (k text, v text)`);
      await admin.query(`INSERT INTO "${schema}".app_notes VALUES ('motd', 'hello')`);
      for (const id of ["ratelimit:1.2.3.4", UPPER, `${"e".repeat(40)}x`, "f".repeat(39)])
        await admin.query(
          `INSERT INTO "${schema}".cherry_sessions VALUES ($1, '{"app": 1}', now() - interval '1 day')`,
          [id],
        );
      const foreignLeft = async () => ({
        notes: (await admin.query(`SELECT * FROM "${schema}".app_notes`)).rows,
        rows: (
          await admin.query(`SELECT id FROM "${schema}".cherry_sessions WHERE id <> ALL($1) ORDER BY id`, [
            ids,
          ])
        ).rows,
        locks: (await admin.query(`SELECT id FROM "${schema}".cherry_sessions_locks`)).rows,
      });
      expect((await foreignLeft()).rows).toHaveLength(4);
      await onlySessions(store, ids, foreignLeft);
      await release?.();
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });
});

describe("custom store: foreign entries from listSessions()", () => {
  it("lists only entries whose sessionId is a session id", async () => {
    const id = newSessionId();
    const expirationTime = Date.now() / 1000 + 3600;
    const store = new CustomStore({
      saveSessionData: () => undefined,
      loadSessionData: () => null,
      cleanUpOldSessions: () => undefined,
      *listSessions() {
        yield { sessionId: id, expirationTime };
        yield { sessionId: "ratelimit:1.2.3.4", expirationTime };
        yield { sessionId: UPPER, expirationTime };
        yield { sessionId: "\u001b]0;owned\u0007", expirationTime };
        yield { sessionId: "a".repeat(40), expirationTime: "soon" as unknown as number };
      },
    });
    expect(await listed(store)).toEqual([id]);
  });
});

const newAdmin = () => createClient({ url: REDIS_URL });
type Admin = ReturnType<typeof newAdmin>;

describeWithService("redis store: keys named like sessions that are not strings", await redis(), () => {
  // `<prefix><40 hex>` holding a hash, list, set, sorted set or stream (HSET + PEXPIRE and friends):
  // another program's data under a session's name. It is no session: not listed, not shown, never
  // deleted, and no command crashes on it with WRONGTYPE.
  const tag = randomBytes(4).toString("hex");
  const prefix = `cherry-test:${tag}:`;
  const foreignIds = ["1", "2", "3", "4", "5"].map((d) => d.repeat(40));
  const plant = async (admin: Admin) => {
    const [hash, list, set, zset, stream] = foreignIds.map((id) => `${prefix}${id}`);
    await admin.hSet(hash, "user", "ada");
    await admin.rPush(list, "x");
    await admin.sAdd(set, "x");
    await admin.zAdd(zset, { score: 1, value: "x" });
    await admin.xAdd(stream, "*", { x: "1" });
    for (const id of foreignIds) await admin.pExpire(`${prefix}${id}`, 600_000);
  };
  const types = async (admin: Admin) => Promise.all(foreignIds.map((id) => admin.type(`${prefix}${id}`)));
  const TYPES = ["hash", "list", "set", "zset", "stream"];

  it("the store: list, get, destroy, a sweep and purge --all leave them be", async () => {
    const admin = createClient({ url: REDIS_URL });
    await admin.connect();
    const store = await RedisStore.connect({ url: REDIS_URL, prefix });
    try {
      await plant(admin);
      const ids = await sessions(store);
      for (const id of foreignIds) {
        expect(await store.get(id)).toBeUndefined();
        await store.destroy(id);
      }
      await onlySessions(store, ids, () => types(admin));
      expect(await types(admin)).toEqual(TYPES);
    } finally {
      await store.close();
      for await (const keys of admin.scanIterator({ MATCH: `${prefix}*` }))
        if (keys.length) await admin.unlink(keys);
      await admin.close();
    }
  });

  it("cherry sessions ls, ls --json, show and purge --all: no crash, nothing of theirs deleted", async () => {
    const admin = createClient({ url: REDIS_URL });
    await admin.connect();
    const url = `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`;
    const dir = tempDir({ "RootServer.cfg": `[session]\nstorageType = redis\nstorageUrl = ${url}\n` });
    const store = await RedisStore.connect({ url: REDIS_URL, prefix });
    try {
      await plant(admin);
      const [id] = await sessions(store);
      const ls = await cherry(["sessions", "ls"], { cwd: dir });
      expect(ls.exitCode, ls.stderr).toBe(0);
      for (const foreign of foreignIds) expect(ls.stdout).not.toContain(foreign);
      const json = await cherry(["sessions", "ls", "--json"], { cwd: dir });
      expect(json.exitCode, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toHaveLength(2);
      const shown = await cherry(["sessions", "show", id], { cwd: dir });
      expect(shown.exitCode, shown.stderr).toBe(0);
      const other = await cherry(["sessions", "show", foreignIds[0]], { cwd: dir });
      expect(other.stderr).not.toContain("unexpected error");
      expect(other.stderr).not.toContain("WRONGTYPE");
      expect(other.exitCode).not.toBe(0);
      const purge = await cherry(["sessions", "purge", "--all", "--yes", "--json"], { cwd: dir });
      expect(JSON.parse(purge.stdout)).toMatchObject({ removed: 2 });
      expect(await types(admin)).toEqual(TYPES);
    } finally {
      await store.close();
      for await (const keys of admin.scanIterator({ MATCH: `${prefix}*` }))
        if (keys.length) await admin.unlink(keys);
      await admin.close();
    }
  });
});

describeWithService(
  "redis with ?prefix=…myapp: through the CLI and the server's sweep",
  await redis(),
  () => {
    it("SET <prefix>ratelimit:1.2.3.4 17 survives a sweep, sessions ls, purge and purge --all", async () => {
      const prefix = `cherry-test:${randomBytes(4).toString("hex")}:myapp:`;
      const url = `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`;
      const admin = createClient({ url: REDIS_URL });
      await admin.connect();
      try {
        await admin.set(`${prefix}ratelimit:1.2.3.4`, "17");
        const app = await serveApp({
          "RootServer.cfg": `[session]\nstorageType = redis\nstorageUrl = ${url}\ncleanUpDelay = 0.002\n`,
        });
        const client = new Client(app.url);
        await client.text("/");
        const id = client.jar.get("CherryPySession") ?? "";
        // An unreadable session the sweep removes: once it is gone, a sweep has run.
        const broken = `${prefix}${"b".repeat(40)}`;
        await admin.set(broken, "{broken", { expiration: { type: "PX", value: 60_000 } });
        for (let i = 0; i < 200 && (await admin.exists(broken)); i++)
          await new Promise((r) => setTimeout(r, 25));
        expect(await admin.exists(broken)).toBe(0);
        await app.close();
        expect(await admin.get(`${prefix}ratelimit:1.2.3.4`)).toBe("17");
        const ls = await cherry(["sessions", "ls", "--json"], { cwd: app.dir });
        expect(JSON.parse(ls.stdout).map((s: { id: string }) => s.id)).toEqual([id]);
        expect((await cherry(["sessions", "purge"], { cwd: app.dir })).exitCode).toBe(0);
        expect(
          JSON.parse(
            (await cherry(["sessions", "purge", "--all", "--yes", "--json"], { cwd: app.dir })).stdout,
          ),
        ).toMatchObject({ removed: 1 });
        expect(await admin.get(`${prefix}ratelimit:1.2.3.4`)).toBe("17");
        expect(await admin.exists(`${prefix}${id}`)).toBe(0);
      } finally {
        for await (const keys of admin.scanIterator({ MATCH: `${prefix}*` }))
          if (keys.length) await admin.unlink(keys);
        await admin.close();
      }
    });
  },
);
