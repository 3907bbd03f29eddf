/**
 * The mysql store on tables it did not make: a `JSON` data column (mysql2 reads it already parsed;
 * MariaDB's is a LONGTEXT with CHECK(json_valid), which refuses an escaped unpaired surrogate), rows a
 * CherryPy app keeps in an adopted HowTo table (never removed before their expirationTime), and
 * `mariadb://` URLs.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, expect, it } from "vitest";
import { newSessionId } from "../../../src/sessions/ids.js";
import { MysqlStore } from "../../../src/sessions/stores/mysql.js";
import { ok, problems } from "../../config/_resolve.js";
import { describeWithService, dropMysqlTables, MYSQL_URL, mysql as mariadb } from "../../helpers/services.js";

const HOUR = 3_600_000;
const prefix = `cherry_test_${randomBytes(4).toString("hex")}`;
const made: string[] = [];
afterAll(async () => {
  for (const table of made) await dropMysqlTables(table);
});
const table = async (name: string, sql: string, rows: string[] = []) => {
  const t = `${prefix}_${name}`;
  made.push(t);
  const db = await mysql.createConnection({ uri: MYSQL_URL });
  try {
    await db.query(`CREATE TABLE ${t} ${sql}`);
    for (const row of rows) await db.query(`INSERT INTO ${t} VALUES ${row}`);
    return { t };
  } finally {
    await db.end();
  }
};
const ids = async (t: string) => {
  const db = await mysql.createConnection({ uri: MYSQL_URL });
  try {
    const [rows] = await db.query<mysql.RowDataPacket[]>(`SELECT sessionId AS id FROM ${t} ORDER BY 1`);
    return rows.map((r) => r.id);
  } finally {
    await db.end();
  }
};

describeWithService("mysql: tables cherry did not make", await mariadb(), () => {
  it("reads a JSON data column, and refuses what it cannot hold as the value's fault", async () => {
    const { t } = await table(
      "json",
      "(sessionId varchar(50) PRIMARY KEY, sessionData JSON, expirationTime int unsigned, INDEX(expirationTime))",
    );
    const store = await MysqlStore.connect({ url: `${MYSQL_URL}?table=${t}` });
    try {
      const id = newSessionId();
      const expiresAt = Date.now() + HOUR;
      await store.set(id, { data: { n: 1, who: "Zoë 🍒" }, expiresAt });
      const back = await store.get(id);
      expect(back?.data).toEqual({ n: 1, who: "Zoë 🍒" });
      expect(back?.json).toBeUndefined();
      expect(await store.update(id, { data: { n: 2, who: "Zoë 🍒" }, expiresAt })).toBe(true);
      expect((await store.get(id))?.data).toEqual({ n: 2, who: "Zoë 🍒" });
      // MariaDB: CHECK(json_valid) fails (4025, SQLSTATE 23000); MySQL 8: ER_INVALID_JSON_TEXT.
      const lone = store.set(newSessionId(), { data: { ok: 1, "bad key": "x\ud800y" }, expiresAt });
      await expect(lone).rejects.toMatchObject({ code: "E_SESSION_VALUE" });
      await expect(lone).rejects.toThrow('session value "bad key" cannot be stored');
      expect((await store.get(id))?.data).toEqual({ n: 2, who: "Zoë 🍒" });
    } finally {
      await store.close();
    }
  });

  it("removes a CherryPy app's rows in an adopted HowTo table only once they expired", async () => {
    const [python, old, ours] = [newSessionId(), newSessionId(), newSessionId()];
    const future = Math.ceil(Date.now() / 1000) + 3600;
    const { t } = await table(
      "howto",
      "(sessionId varchar(50), sessionData text, expirationTime int unsigned) CHARACTER SET latin1",
      [`('${python}', '(dp0\\nS''user''\\np1\\nS''ada''\\np2\\ns.', ${future})`, `('${old}', '(dp0\\n.', 1)`],
    );
    const store = await MysqlStore.connect({ url: MYSQL_URL, table: t, onNotice: () => undefined });
    try {
      await store.set(ours, { data: { n: 1 }, expiresAt: Date.now() + HOUR });
      expect(await store.get(python)).toBeUndefined();
      // The sweep: the expired pickle goes (as cleanUpOldSessions() would), the live one stays.
      expect(await store.purge({ now: Date.now(), dryRun: true })).toEqual({
        removed: 1,
        kept: 2,
        unreadable: 2,
      });
      expect(await store.purge({ now: Date.now() })).toEqual({ removed: 1, kept: 2, unreadable: 2 });
      expect(await ids(t)).toEqual([ours, python].sort());
      // --all removes cherry's sessions, never a row it cannot read that has not expired.
      expect(await store.purge({ now: Date.now(), all: true })).toEqual({
        removed: 1,
        kept: 1,
        unreadable: 1,
      });
      expect(await ids(t)).toEqual([python]);
    } finally {
      await store.close();
    }
  });

  it("accepts mariadb:// as well as mysql://", async () => {
    const url = MYSQL_URL.replace(/^mysql:/, "mariadb:");
    expect(ok(`[session]\nstorageType=mysql\nstorageUrl=${url}\n`).session.storageUrl).toBe(url);
    expect(problems("[session]\nstorageType=mysql\nstorageUrl=postgres://x/db\n")[0]).toContain(
      "the mysql store needs a URL",
    );
    const t = `${prefix}_maria`;
    made.push(t);
    const store = await MysqlStore.connect({ url: `${url}?table=${t}` });
    try {
      const id = newSessionId();
      await store.set(id, { data: { n: 1 }, expiresAt: Date.now() + HOUR });
      expect((await store.get(id))?.data).toEqual({ n: 1 });
    } finally {
      await store.close();
    }
  });
});
