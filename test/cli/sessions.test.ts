import { chmodSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { newSessionId } from "../../src/sessions/ids.js";
import { FileStore } from "../../src/sessions/stores/file.js";
import { SqliteStore } from "../../src/sessions/stores/sqlite.js";
import { Client, serveApp } from "../helpers/app.js";
import { cherry } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const HOUR = 3_600_000;

/** A file-store app folder with `live` live and `dead` expired sessions, plus foreign files. */
async function fileApp(live: number, dead: number) {
  const dir = tempDir({
    "RootServer.cfg": "[session]\nstorageType = file\nstorageFileDir = sessions\n",
    "sessions/notes.txt": "not a session",
  });
  chmodSync(path.join(dir, "sessions"), 0o700); // a session folder must be private
  const store = new FileStore(path.join(dir, "sessions"));
  const ids = { live: [] as string[], dead: [] as string[] };
  for (let i = 0; i < live + dead; i++) {
    const id = newSessionId();
    const isLive = i < live;
    await store.set(id, {
      data: { user: `u${i}`, cart: [i] },
      expiresAt: Date.now() + (isLive ? HOUR : -HOUR),
    });
    (isLive ? ids.live : ids.dead).push(id);
  }
  return { dir, store, ids };
}

describe("cherry sessions ls", () => {
  it("prints a JSON array with id, expiresAt, expired and bytes", async () => {
    const { dir, ids } = await fileApp(2, 1);
    const result = await cherry(["sessions", "ls", "--json"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    const rows = JSON.parse(result.stdout) as {
      id: string;
      expiresAt: number;
      expired: boolean;
      bytes: number;
    }[];
    expect(rows.map((r) => r.id).sort()).toEqual([...ids.live, ...ids.dead].sort());
    for (const row of rows) {
      expect(row.expired).toBe(ids.dead.includes(row.id));
      expect(row.bytes).toBeGreaterThan(10);
      expect(Math.abs(row.expiresAt - Date.now())).toBeGreaterThan(HOUR - 60_000);
    }
    const expired = JSON.parse(
      (await cherry(["sessions", "ls", "--json", "--expired"], { cwd: dir })).stdout,
    );
    expect(expired.map((r: { id: string }) => r.id)).toEqual(ids.dead);
  });

  it("prints an empty JSON array for an empty store", async () => {
    const dir = tempDir({ "RootServer.cfg": "[session]\nstorageType = file\nstorageFileDir = s\n" });
    expect(JSON.parse((await cherry(["sessions", "ls", "--json"], { cwd: dir })).stdout)).toEqual([]);
  });

  it("prints a table with relative expiry, size and top-level keys", async () => {
    const { dir, ids } = await fileApp(1, 1);
    const result = await cherry(["sessions", "ls"], { cwd: dir });
    const line = result.stdout.split("\n").find((l) => l.startsWith(ids.dead[0])) ?? "";
    expect(line).toMatch(/ago .* B\s+user, cart expired$/);
    expect(result.stdout).toMatch(new RegExp(`${ids.live[0]}\\s+in 59m`));
    expect(result.stderr).toContain("2 sessions");
  });

  it("explains why the cookie and ram stores cannot be listed (exit 1)", async () => {
    const cookie = tempDir({
      "RootServer.cfg": `[session]\nstorageType = cookie\nsecret = ${"s".repeat(32)}\n`,
    });
    const c = await cherry(["sessions", "ls"], { cwd: cookie });
    expect(c.exitCode).toBe(1);
    expect(c.stderr).toContain("sealed in its browser");
    const ram = tempDir({ "RootServer.cfg": "[session]\nstorageType = ram\n" });
    expect((await cherry(["sessions", "ls"], { cwd: ram })).exitCode).toBe(1);
  });

  it("lists the sqlite store", async () => {
    const dir = tempDir({ "RootServer.cfg": "[session]\nstorageType = sqlite\n" });
    const store = new SqliteStore(path.join(dir, "sessions.db"));
    const id = newSessionId();
    store.set(id, { data: { a: 1 }, expiresAt: Date.now() + HOUR });
    store.close();
    const rows = JSON.parse((await cherry(["sessions", "ls", "--json"], { cwd: dir })).stdout);
    expect(rows).toEqual([{ id, expiresAt: expect.any(Number), expired: false, bytes: 7 }]);
  });
});

describe("cherry sessions show", () => {
  it("shows the data, expiry and file path", async () => {
    const { dir, ids, store } = await fileApp(1, 0);
    const id = ids.live[0];
    const human = await cherry(["sessions", "show", id], { cwd: dir });
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain(`file:     ${store.pathOf(id)}`);
    expect(human.stdout).toContain('"user": "u0"');
    const json = JSON.parse((await cherry(["sessions", "show", id, "--json"], { cwd: dir })).stdout);
    expect(json).toMatchObject({
      id,
      expired: false,
      file: store.pathOf(id),
      data: { user: "u0", cart: [0] },
    });
  });

  it("answers an unknown or malformed id with one line and exit 1", async () => {
    const { dir } = await fileApp(0, 0);
    const unknown = await cherry(["sessions", "show", newSessionId()], { cwd: dir });
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
    const malformed = await cherry(["sessions", "show", "../../etc/passwd"], { cwd: dir });
    expect(malformed.exitCode).toBe(1);
    expect(malformed.stderr).toContain("is not a session id");
  });
});

describe("cherry sessions purge", () => {
  it("removes expired and unreadable sessions, leaves live and foreign files", async () => {
    const { dir, ids, store } = await fileApp(3, 2);
    const corrupt = ids.live[2];
    writeFileSync(store.pathOf(corrupt), "{truncated");
    utimesSync(store.pathOf(corrupt), (Date.now() + HOUR) / 1000, (Date.now() + HOUR) / 1000);
    const dry = await cherry(["sessions", "purge", "--dry-run", "--json"], { cwd: dir });
    expect(JSON.parse(dry.stdout)).toEqual({ removed: 3, kept: 2, unreadable: 1 });
    expect(readdirSync(path.join(dir, "sessions"))).toHaveLength(6);
    const result = await cherry(["sessions", "purge", "--json"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ removed: 3, kept: 2, unreadable: 1 });
    expect(result.stderr).toMatch(/^removed 3 of 5 sessions \(1 unreadable\) in \d+\.\d s$/m);
    expect(result.stderr).toContain("left alone 1 file(s)");
    expect(result.stderr).toContain("notes.txt");
    expect(readdirSync(path.join(dir, "sessions")).sort()).toEqual(
      ["notes.txt", ...ids.live.slice(0, 2).map((id) => `session-${id}.json`)].sort(),
    );
  });

  it("decides at the boundary: expiring now is expired, a millisecond later is live", async () => {
    const { dir, store } = await fileApp(0, 0);
    const soon = newSessionId();
    await store.set(soon, { data: { a: 1 }, expiresAt: Date.now() + 5000 });
    const past = newSessionId();
    await store.set(past, { data: { a: 1 }, expiresAt: Date.now() - 1 });
    expect(JSON.parse((await cherry(["sessions", "purge", "--json"], { cwd: dir })).stdout)).toEqual({
      removed: 1,
      kept: 1,
      unreadable: 0,
    });
  });

  it("without a terminal, --all removes nothing unless --yes confirms it (piped answers are not taken)", async () => {
    const { dir } = await fileApp(2, 1);
    for (const input of [undefined, "n\n", "y\n"]) {
      const refused = await cherry(["sessions", "purge", "--all"], { cwd: dir, input });
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(/nothing removed.*--all without a terminal/);
      expect(refused.stderr).toMatch(/--yes/);
      expect(readdirSync(path.join(dir, "sessions"))).toHaveLength(4);
    }
    const dry = await cherry(["sessions", "purge", "--all", "--dry-run", "--json"], { cwd: dir });
    expect(JSON.parse(dry.stdout)).toEqual({ removed: 3, kept: 0, unreadable: 0 });
    expect(readdirSync(path.join(dir, "sessions"))).toHaveLength(4);
    const result = await cherry(["sessions", "purge", "--all", "--yes", "--json"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ removed: 3, kept: 0, unreadable: 0 });
    expect(readdirSync(path.join(dir, "sessions"))).toEqual(["notes.txt"]);
  });

  it("is safe while a server runs: no failed request, no live session lost", async () => {
    const app = await serveApp({
      "RootServer.cfg": "[session]\nstorageType = file\nstorageFileDir = sessions\n",
      "src/root.ts":
        "export default { index(r) { const n = r.sessionMap.get('n', 0) + 1; r.sessionMap.set('n', n); return String(n); } }",
    });
    try {
      const store = new FileStore(path.join(app.dir, "sessions"));
      // More expired sessions than one batch of the purge's unlink worker, so its removals race too.
      for (let i = 0; i < 1500; i++)
        await store.set(newSessionId(), { data: { old: i }, expiresAt: Date.now() - 1000 });
      const clients = Array.from({ length: 10 }, () => new Client(app.url));
      for (const c of clients) await c.get("/");
      const load = Promise.all(
        clients.map(async (c) => {
          const seen = [];
          for (let i = 0; i < 20; i++) {
            const res = await c.get("/");
            expect(res.status).toBe(200);
            seen.push(Number(await res.text()));
          }
          return seen;
        }),
      );
      const purges = [];
      for (let i = 0; i < 3; i++)
        purges.push(await cherry(["sessions", "purge", "--json"], { cwd: app.dir }));
      const counts = await load;
      for (const seen of counts) expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      expect(purges.every((p) => p.exitCode === 0)).toBe(true);
      expect(JSON.parse(purges[0].stdout)).toEqual({ removed: 1500, kept: 10, unreadable: 0 });
      expect(readdirSync(path.join(app.dir, "sessions"))).toHaveLength(10);
    } finally {
      await app.close();
    }
  });
});
