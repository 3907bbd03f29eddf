/**
 * What requests do to the rows of the mysql store's table, read back with a separate connection: a
 * forged session id, well-formed or not, never creates, reads as a session, moves or rewrites a row
 * (docs/contract.md §3 rules 1-2), and a value with U+0000 or an unpaired surrogate is stored and read
 * back exactly.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, expect, it } from "vitest";
import { newSessionId } from "../../../src/sessions/ids.js";
import { Client, serveApp } from "../../helpers/app.js";
import { describeWithService, dropMysqlTables, MYSQL_URL, mysql as mariadb } from "../../helpers/services.js";

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
});
