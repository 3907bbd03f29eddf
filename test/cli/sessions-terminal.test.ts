import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { newSessionId } from "../../src/sessions/ids.js";
import type { SessionStore } from "../../src/sessions/store.js";
import { FileStore } from "../../src/sessions/stores/file.js";
import { PostgresStore } from "../../src/sessions/stores/postgres.js";
import { SqliteStore } from "../../src/sessions/stores/sqlite.js";
import { cherry } from "../helpers/cli.js";
import { cherryOnTerminal } from "../helpers/pty.js";
import {
  describeWithService,
  dropTestNamespace,
  POSTGRES_URL,
  postgres,
  testPostgresUrl,
} from "../helpers/services.js";
import { tempDir } from "../helpers/tmp.js";

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Sessions expiring at these offsets from now (ms), with data of growing size; ids in that order. */
async function fill(store: SessionStore, offsets: number[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, offset] of offsets.entries()) {
    const id = newSessionId();
    await store.set(id, {
      data: { user: `u${i}`, pad: "x".repeat(10 ** i) },
      expiresAt: Date.now() + offset,
    });
    ids.push(id);
  }
  return ids;
}

const fileApp = () =>
  tempDir({ "RootServer.cfg": "[session]\nstorageType = file\nstorageFileDir = sessions\n" });

describe("cherry sessions ls, as a table", () => {
  it("sorts by expiry, pads every column, and its footer counts the expired", async () => {
    const dir = fileApp();
    const store = new FileStore(path.join(dir, "sessions"));
    // Stored out of order; sizes from a few bytes to KiB so the SIZE column has different widths.
    const offsets = [3 * DAY, -2 * MINUTE * 60, 5 * MINUTE, -30 * MINUTE, 2 * MINUTE * 60];
    const ids = await fill(store, offsets);
    const result = await cherry(["sessions", "ls"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    const [header, ...rows] = result.stdout.trimEnd().split("\n");
    const byExpiry = offsets
      .map((o, i) => [o, ids[i]] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, id]) => id);
    expect(rows.map((r) => r.slice(0, 40))).toEqual(byExpiry);
    // Padded: each column starts where its header starts, SIZE ends where its header ends.
    for (const name of ["EXPIRES", "AT", "KEYS"]) {
      const at = header.indexOf(name);
      for (const row of rows) expect(row[at - 1], `${name} in ${row}`).toBe(" ");
      for (const row of rows) expect(row[at], `${name} in ${row}`).not.toBe(" ");
    }
    const sizeEnd = header.indexOf("SIZE") + 4;
    for (const row of rows) expect(row.slice(sizeEnd - 2, sizeEnd)).toMatch(/ B|iB/);
    expect(result.stderr.trim()).toBe("5 sessions, 2 expired (cherry sessions purge removes them)");
    const expired = await cherry(["sessions", "ls", "--expired"], { cwd: dir });
    expect(expired.stderr.trim()).toBe("2 expired sessions");
    expect(expired.stdout.trimEnd().split("\n").slice(1)).toHaveLength(2);
  });

  it.each(["Asia/Kolkata", "America/St_Johns", "UTC"])(
    "prints times in one zone (TZ=%s), the same in ls and show, with its offset",
    async (zone) => {
      const dir = fileApp();
      const [id] = await fill(new FileStore(path.join(dir, "sessions")), [90 * MINUTE]);
      const env = { TZ: zone };
      const ls = await cherry(["sessions", "ls"], { cwd: dir, env });
      const show = await cherry(["sessions", "show", id], { cwd: dir, env });
      const stamp = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d/;
      const inLs = stamp.exec(ls.stdout)?.[0];
      const inShow = stamp.exec(/^expires: .*$/m.exec(show.stdout)?.[0] ?? "")?.[0];
      expect(inLs).toBeDefined();
      expect(inShow).toBe(inLs);
      const offset = { "Asia/Kolkata": "+05:30", "America/St_Johns": /-0[23]:30/, UTC: "+00:00" }[zone];
      expect(inLs?.slice(-6)).toMatch(offset as string | RegExp);
      // The same instant as the store's: local wall time + offset = the expiry in epoch ms.
      const json = JSON.parse((await cherry(["sessions", "show", id, "--json"], { cwd: dir })).stdout);
      const parsed = Date.parse(`${inLs?.slice(0, 10)}T${inLs?.slice(11, 19)}${inLs?.slice(-6)}`);
      expect(Math.abs(parsed - json.expiresAt)).toBeLessThan(1000);
    },
  );
});

describe("cherry sessions purge --all on a terminal", () => {
  it("names the file store and the count; declining exits 1 and removes nothing; yes removes all", async () => {
    const dir = fileApp();
    await fill(new FileStore(path.join(dir, "sessions")), [MINUTE, 2 * MINUTE, -MINUTE]);
    const no = await cherryOnTerminal(["sessions", "purge", "--all"], { cwd: dir, input: "n\n" });
    expect(no.output).toContain(
      `Remove all 3 sessions of the file store in sessions${path.sep}, logging every user out? [y/N]`,
    );
    expect(no.output).toContain("nothing removed (--all not confirmed)");
    expect(no.exitCode).toBe(1);
    expect(readdirSync(path.join(dir, "sessions"))).toHaveLength(3);
    const enter = await cherryOnTerminal(["sessions", "purge", "--all"], { cwd: dir, input: "\n" });
    expect(enter.exitCode).toBe(1);
    const yes = await cherryOnTerminal(["sessions", "purge", "--all"], { cwd: dir, input: "y\n" });
    expect(yes.exitCode).toBe(0);
    expect(yes.output).toContain("removed 3 of 3 sessions");
    expect(readdirSync(path.join(dir, "sessions"))).toHaveLength(0);
  });

  it("names the sqlite store by its file", async () => {
    const dir = tempDir({
      "RootServer.cfg": "[session]\nstorageType = sqlite\nstorageFile = data/s.db\n",
      "data/.keep": "",
    });
    const store = new SqliteStore(path.join(dir, "data/s.db"));
    await fill(store, [MINUTE]);
    store.close();
    const no = await cherryOnTerminal(["sessions", "purge", "--all"], { cwd: dir, input: "no\n" });
    expect(no.output).toContain(`Remove all 1 session of the sqlite store ${path.join("data", "s.db")},`);
    expect(no.exitCode).toBe(1);
  });
});

describeWithService("purge --all names a postgres store without its password", await postgres(), () => {
  it("question shows the URL with *** for the password", async () => {
    const tag = `purgeq${process.pid}`;
    const url = new URL(testPostgresUrl(tag));
    url.password = "hunter2-never-printed";
    const dir = tempDir({ "RootServer.cfg": `[session]\nstorageType = postgres\nstorageUrl = ${url}\n` });
    const store = await PostgresStore.connect({
      url: POSTGRES_URL,
      schema: url.searchParams.get("schema") ?? "",
    });
    try {
      await fill(store, [MINUTE, MINUTE]);
      const no = await cherryOnTerminal(["sessions", "purge", "--all"], { cwd: dir, input: "n\n" });
      expect(no.output).toContain("Remove all 2 sessions of the postgres store at postgres://postgres:***@");
      expect(no.output).not.toContain("hunter2");
      expect(no.exitCode).toBe(1);
    } finally {
      await store.close();
      await dropTestNamespace(tag, { postgres: true });
    }
  });
});

describe("unknown commands get the command that was meant", () => {
  it.each([
    [["sessions", "rm", newSessionId()], "rm", "purge"],
    [["sessions", "delete"], "delete", "purge"],
    [["sessions", "list"], "list", "ls"],
    [["sessions", "get", "x"], "get", "show"],
    [["sessions", "shwo"], "shwo", "show"],
    [["start"], "start", "serve"],
    [["new", "app"], "new", "init"],
    [["config", "validate"], "validate", "check"],
  ])("cherry %j: '%s' -> %s", async (args, unknown, meant) => {
    const result = await cherry(args, { cwd: tempDir() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe(`error: unknown command '${unknown}'; did you mean ${meant}?`);
  });

  it("suggests nothing for a word unlike any command", async () => {
    const result = await cherry(["sessions", "zzz"]);
    expect(result.stderr.trim()).toBe("error: unknown command 'zzz'");
  });
});

describe("a bad flag or environment value is blamed on itself, not on RootServer.cfg", () => {
  it.each([
    [["--port", "abc"], {}, "flag --port", 'socketPort: expected an integer from 0 to 65535, got "abc"'],
    [["--port", "70000"], {}, "flag --port", 'got "70000"'],
    [["--workers", "two"], {}, "flag --workers", "processPool: expected an integer"],
    [[], { CHERRY_SERVER_SOCKETPORT: "abc" }, "env CHERRY_SERVER_SOCKETPORT", 'got "abc"'],
  ])("serve %j %j", async (flags, env, origin, problem) => {
    const dir = tempDir({ "RootServer.cfg": "[server]\nsocketPort = 0\n" });
    const result = await cherry(["serve", ...(flags as string[])], {
      cwd: dir,
      env: env as Record<string, string>,
    });
    expect(result.exitCode).toBe(2);
    const [headline, detail] = result.stderr.trim().split("\n");
    expect(headline).toBe(`cherry: ${origin}: 1 problem`);
    expect(detail).toContain(`${origin}: [server] `);
    expect(detail).toContain(problem);
  });

  it("names both when the file and a flag are wrong", async () => {
    const dir = tempDir({ "RootServer.cfg": "[server]\nsocketPort = 0\nlogToScreen = maybe\n" });
    const result = await cherry(["serve", "--port", "abc"], { cwd: dir });
    expect(result.stderr.split("\n")[0]).toBe("cherry: RootServer.cfg, flag --port: 2 problems");
  });
});
