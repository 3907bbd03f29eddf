import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterEach, expect, it } from "vitest";
import { newSessionId } from "../../../src/sessions/ids.js";
import { MysqlStore } from "../../../src/sessions/stores/mysql.js";
import { describeWithService, dropMysqlTables, MYSQL_URL, mysql as mariadb } from "../../helpers/services.js";
import { describeStoreContract } from "../store-contract.js";

const HOUR = 3_600_000;
const service = await mariadb();
const newTable = () => `cherry_test_${randomBytes(4).toString("hex")}`;
const admin = () => mysql.createConnection({ uri: MYSQL_URL });

describeWithService("mysql", service, () => {
  describeStoreContract("mysql", async () => {
    const table = newTable();
    const store = await MysqlStore.connect({ url: MYSQL_URL, table, poolSize: 4 });
    return {
      store,
      corrupt: async (id) => {
        const db = await admin();
        await db.execute(`UPDATE ${table} SET sessionData = '{"a": 1, ' WHERE sessionId = ?`, [id]);
        await db.end();
      },
      cleanup: () => dropMysqlTables(table),
    };
  });
});

/** The table made exactly as the CherryPy HowTo shows it (§16.8): no key, text data, int seconds. */
const HOWTO_TABLE = (table: string) =>
  `CREATE TABLE ${table} (sessionId varchar(50), sessionData text, expirationTime int unsigned) CHARACTER SET latin1`;

describeWithService("mysql: the HowTo's table", service, () => {
  const tables: string[] = [];
  afterEach(async () => {
    for (const table of tables.splice(0)) await dropMysqlTables(table);
  });
  const made = async (sql: (table: string) => string[]) => {
    const table = newTable();
    tables.push(table);
    const db = await admin();
    for (const statement of sql(table)) await db.query(statement);
    return { table, db };
  };
  const indexes = async (db: mysql.Connection, table: string) =>
    (
      await db.query<mysql.RowDataPacket[]>(
        "SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY 1",
        [table],
      )
    )[0]
      .map((r) => r.name)
      .sort();

  it("is adopted: cherry adds the key and index it needs, says so once, keeps the rows", async () => {
    const { table, db } = await made((t) => [
      HOWTO_TABLE(t),
      `INSERT INTO ${t} VALUES ('legacy-python-session', '(dp0\\n.', 4294967295)`,
    ]);
    const notices: string[] = [];
    const store = await MysqlStore.connect({ url: MYSQL_URL, table, onNotice: (m) => notices.push(m) });
    try {
      expect(notices).toEqual([
        `table ${table} has the CherryPy HowTo's shape: added PRIMARY KEY (sessionId) and an index on expirationTime; its columns and rows are kept as they are`,
      ]);
      expect(await indexes(db, table)).toEqual(["PRIMARY", `${table}_expirationTime`]);
      const [columns] = await db.query<mysql.RowDataPacket[]>(
        "SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        [table],
      );
      expect(columns.map((c) => `${c.c} ${c.t}`)).toEqual([
        "sessionId varchar(50)",
        "sessionData text",
        "expirationTime int(10) unsigned",
      ]);
      // Whole seconds, rounded up; every string kept in a latin1 column (escaped as \u in the JSON).
      const id = newSessionId();
      const data = { user: "Zoë 🍒", nul: "a\u0000b", lone: "\ud800" };
      const expiresAt = Date.now() + HOUR;
      await store.set(id, { data, expiresAt });
      const back = await store.get(id);
      expect(back?.data).toEqual(data);
      expect(back?.expiresAt).toBe(Math.ceil(expiresAt / 1000) * 1000);
      const [[row]] = await db.query<mysql.RowDataPacket[]>(
        `SELECT sessionData AS d, expirationTime AS e FROM ${table} WHERE sessionId = ?`,
        [id],
      );
      expect(row.e).toBe(Math.ceil(expiresAt / 1000));
      expect(JSON.parse(row.d)).toEqual(data);
      await store.touch(id, expiresAt + HOUR);
      expect((await store.get(id))?.expiresAt).toBe(Math.ceil((expiresAt + HOUR) / 1000) * 1000);
      // A case-insensitive column: an upper-case look-alike is not the session of its lower-case id.
      const other = newSessionId();
      await db.execute(`INSERT INTO ${table} VALUES (?, '{"app": 1}', 4294967295)`, [other.toUpperCase()]);
      expect(await store.get(other)).toBeUndefined();
      expect(await store.update(other, { data: { mine: 1 }, expiresAt })).toBe(false);
      await store.destroy(other);
      // Neither is the Python row: never listed, never purged.
      const listed = [];
      for await (const s of store.list()) listed.push(s.id);
      expect(listed).toEqual([id]);
      expect(await store.purge({ now: Date.now(), all: true })).toMatchObject({ removed: 1 });
      const [left] = await db.query<mysql.RowDataPacket[]>(`SELECT sessionId FROM ${table}`);
      expect(left.map((r) => r.sessionId).sort()).toEqual([other.toUpperCase(), "legacy-python-session"]);
      // A text column holds 65,535 bytes: a bigger session fails naming its key, nothing is cut.
      const big = store.set(newSessionId(), { data: { small: 1, blob: "x".repeat(70_000) }, expiresAt });
      await expect(big).rejects.toMatchObject({ code: "E_SESSION_VALUE" });
      await expect(big).rejects.toThrow('session value "blob" cannot be stored');
    } finally {
      await store.close();
      await db.end();
    }
    // A second start finds the keys there: no notice.
    const again = await MysqlStore.connect({ url: MYSQL_URL, table, onNotice: (m) => notices.push(m) });
    await again.close();
    expect(notices).toHaveLength(1);
  });

  it("is refused, unchanged, where adopting it would mean deleting rows or changing a column", async () => {
    const { table, db } = await made((t) => [
      HOWTO_TABLE(t),
      `INSERT INTO ${t} VALUES ('twice', '{}', 1), ('twice', '{}', 2)`,
    ]);
    const short = newTable();
    tables.push(short);
    await db.query(
      `CREATE TABLE ${short} (sessionId varchar(32), sessionData text, expirationTime int unsigned)`,
    );
    const other = newTable();
    tables.push(other);
    await db.query(`CREATE TABLE ${other} (id int, payload text)`);
    try {
      await expect(MysqlStore.connect({ url: MYSQL_URL, table })).rejects.toThrow(
        `[store:mysql] cannot use table ${table}: 1 sessionId value(s) appear in several rows, so it cannot get the primary key cherry needs (cherry does not delete your rows)`,
      );
      await expect(MysqlStore.connect({ url: MYSQL_URL, table: short })).rejects.toThrow(
        `cannot use table ${short}: sessionId is varchar(32): a session id has 40 characters`,
      );
      await expect(MysqlStore.connect({ url: MYSQL_URL, table: other })).rejects.toThrow(
        `cannot use table ${other}: it has no sessionId, sessionData, expirationTime column: it is not a session table`,
      );
      for (const t of [table, short, other]) expect(await indexes(db, t)).toEqual([]);
      const [rows] = await db.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
      expect(rows[0].n).toBe(2);
    } finally {
      await db.end();
    }
  });
});

describeWithService("mysql: its own table", service, () => {
  it("creates the HowTo's column names with a key, an expiry index and text kept byte for byte", async () => {
    const table = newTable();
    const store = await MysqlStore.connect({ url: `${MYSQL_URL}?table=${table}&poolSize=2` });
    const db = await admin();
    try {
      const [columns] = await db.query<mysql.RowDataPacket[]>(
        "SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t, COLUMN_KEY AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        [table],
      );
      expect(columns.map((c) => `${c.c} ${c.t} ${c.k}`)).toEqual([
        "sessionId varchar(50) PRI",
        "sessionData longtext ",
        "expirationTime decimal(15,3) MUL",
      ]);
      const id = newSessionId();
      const json = '{"z":1,"a":"a\\u0000b \\ud800 Zoë 🍒"}';
      const expiresAt = Date.now() + HOUR;
      await store.set(id, { data: JSON.parse(json), expiresAt, json });
      const back = await store.get(id);
      expect(back?.json).toBe(json);
      expect(back?.expiresAt).toBe(expiresAt);
      // A look-alike row in upper case is someone else's: never read as a session, listed or purged.
      const other = newSessionId();
      await db.execute(`INSERT INTO ${table} VALUES (?, '{"app": 1}', 0)`, [other.toUpperCase()]);
      expect(await store.get(other)).toBeUndefined();
      expect(await store.purge({ now: Date.now() })).toMatchObject({ removed: 0, kept: 1 });
      const [[row]] = await db.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
      expect(row.n).toBe(2);
    } finally {
      await store.close();
      await db.end();
      await dropMysqlTables(table);
    }
  });

  it("says which URL failed, without its password, when the server is not there", async () => {
    const failure = MysqlStore.connect({ url: "mysql://app:hunter2@127.0.0.1:1/test" });
    await expect(failure).rejects.toMatchObject({ code: "E_STORE_UNAVAILABLE" });
    await expect(failure).rejects.toThrow("[store:mysql] cannot use mysql://app:***@127.0.0.1:1/test");
    await expect(failure).rejects.not.toThrow("hunter2");
  });
});
