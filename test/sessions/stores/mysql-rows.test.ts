/**
 * What requests do to the rows of the mysql store's table, read back with a separate connection: a
 * forged session id, well-formed or not, never creates, reads as a session, moves or rewrites a row
 * (docs/contract.md §3 rules 1-2), and a value with U+0000 or an unpaired surrogate is stored and read
 * back exactly. `cherry sessions ls/show/purge` list and remove session rows only, and a row that holds no JSON
 * only once it expired.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, expect, it } from "vitest";
import { newSessionId } from "../../../src/sessions/ids.js";
import { MysqlStore } from "../../../src/sessions/stores/mysql.js";
import { Client, serveApp } from "../../helpers/app.js";
import { cherry } from "../../helpers/cli.js";
import { describeWithService, dropMysqlTables, MYSQL_URL, mysql as mariadb } from "../../helpers/services.js";
import { tempDir } from "../../helpers/tmp.js";

const APP = `export default class Root {
  index(request) { const n = request.sessionMap.get("n", 0) + 1; request.sessionMap.set("n", n); return String(n); }
  peek(request) { return JSON.stringify(request.sessionMap.get("n") ?? null); }
  weird(request) { request.sessionMap.set("nul", "a\\u0000b"); request.sessionMap.set("\\ud800 key", "x\\udc00y"); return "ok"; }
  dump(request) { return JSON.stringify(Object.fromEntries(request.sessionMap.entries())); }
}`;

const table = `cherry_test_${randomBytes(4).toString("hex")}`;
afterAll(() => dropMysqlTables(table));

describeWithService("mysql rows under requests", await mariadb(), () => {
  const rows = async () => {
    const db = await mysql.createConnection({ uri: MYSQL_URL });
    try {
      const [all] = await db.query<mysql.RowDataPacket[]>(
        `SELECT sessionId AS id, sessionData AS data, CAST(expirationTime AS CHAR) AS exp FROM ${table} ORDER BY sessionId`,
      );
      return all.map((r) => `${r.id} ${r.data} ${r.exp}`);
    } finally {
      await db.end();
    }
  };

  it("a forged id touches no row; U+0000 and unpaired surrogates round-trip", async () => {
    const app = await serveApp({
      "RootServer.cfg": `[session]\nstorageType = mysql\nstorageUrl = ${MYSQL_URL}?table=${table}\n`,
      "src/root.ts": APP,
    });
    const db = await mysql.createConnection({ uri: MYSQL_URL });
    try {
      const browser = new Client(app.url);
      expect(await browser.text("/")).toBe("1");
      const real = browser.jar.get("CherryPySession") ?? "";
      // Rows another program keeps in the table, one with a session id's shape but no session in it.
      const foreign = newSessionId();
      await db.execute(`INSERT INTO ${table} VALUES (?, '17', 9999999999), ('ratelimit:1.2.3.4', 'x', 0)`, [
        foreign,
      ]);
      const before = await rows();
      const forged = [
        newSessionId(),
        foreign,
        real.toUpperCase(),
        `${real}x`,
        real.slice(0, 39),
        "' OR 1=1 -- ",
      ];
      for (const id of forged) {
        const cookie = `CherryPySession=${encodeURIComponent(id)}`;
        expect(await fetch(new URL("/peek", app.url), { headers: { cookie } }).then((r) => r.text())).toBe(
          "null",
        );
      }
      // Reads under forged ids change nothing at all.
      expect(await rows()).toEqual(before);
      for (const id of forged) {
        const res = await fetch(app.url, {
          headers: { cookie: `CherryPySession=${encodeURIComponent(id)}` },
        });
        expect(await res.text()).toBe("1");
        expect(res.headers.get("set-cookie")).not.toContain(id);
      }
      // Writes under forged ids made fresh sessions only: every earlier row is as it was.
      const after = await rows();
      expect(after.filter((r) => !before.includes(r))).toHaveLength(forged.length);
      expect(after.filter((r) => before.includes(r))).toEqual(before);
      for (const id of forged)
        expect(after.filter((r) => r.startsWith(`${id} `)).length).toBe(id === foreign ? 1 : 0);

      expect(await browser.text("/weird")).toBe("ok");
      expect(JSON.parse(await browser.text("/dump"))).toEqual({
        n: 1,
        nul: "a\u0000b",
        "\ud800 key": "x\udc00y",
      });
    } finally {
      await db.end();
      await app.close();
    }
  });

  it("cherry sessions ls, show and purge work on session rows only", async () => {
    const admin = `${table}_admin`;
    const store = await MysqlStore.connect({ url: MYSQL_URL, table: admin });
    const db = await mysql.createConnection({ uri: MYSQL_URL });
    const dir = tempDir({
      "RootServer.cfg": `[session]\nstorageType = mysql\nstorageUrl = ${MYSQL_URL}?table=${admin}\n`,
    });
    try {
      const [live, dead, bad] = [newSessionId(), newSessionId(), newSessionId()];
      await store.set(live, { data: { user: "ada" }, expiresAt: Date.now() + 3_600_000 });
      await store.set(dead, { data: { user: "bob" }, expiresAt: Date.now() - 1000 });
      await store.set(bad, { data: { user: "eve" }, expiresAt: Date.now() + 3_600_000 });
      await db.execute(`UPDATE ${admin} SET sessionData = '{"user": ' WHERE sessionId = ?`, [bad]);
      await db.execute(`INSERT INTO ${admin} VALUES ('ratelimit:1.2.3.4', '17', 0)`);
      const ls = await cherry(["sessions", "ls", "--json"], { cwd: dir });
      expect(ls.exitCode, ls.stderr).toBe(0);
      expect(
        JSON.parse(ls.stdout)
          .map((r: { id: string }) => r.id)
          .sort(),
      ).toEqual([live, dead, bad].sort());
      const show = await cherry(["sessions", "show", live, "--json"], { cwd: dir });
      expect(JSON.parse(show.stdout)).toMatchObject({ id: live, expired: false, data: { user: "ada" } });
      const purge = await cherry(["sessions", "purge", "--json"], { cwd: dir });
      // The unreadable row has not expired: it may be another program's, so it is kept (counted).
      expect(JSON.parse(purge.stdout)).toEqual({ removed: 1, kept: 2, unreadable: 1 });
      const [left] = await db.query<mysql.RowDataPacket[]>(`SELECT sessionId FROM ${admin} ORDER BY 1`);
      expect(left.map((r) => r.sessionId).sort()).toEqual([live, bad, "ratelimit:1.2.3.4"].sort());
    } finally {
      await store.close();
      await db.end();
      await dropMysqlTables(admin);
    }
  });
});
