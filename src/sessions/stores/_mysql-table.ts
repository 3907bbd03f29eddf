/**
 * The mysql store's table: created, or an existing one (the CherryPy HowTo's, §16.8) checked and
 * adopted, adding only the key and index cherry needs; see mysql.ts for the table's design.
 */
import type mysql from "mysql2/promise";
import { CherryError } from "../../errors.js";

/** What the store learnt about its table when it opened. */
export interface Shape {
  /** expirationTime holds whole seconds (the HowTo's int unsigned). */
  wholeSeconds: boolean;
  /** sessionData cannot hold every character: non-ASCII is written as \u escapes. */
  asciiOnly: boolean;
  /** Bytes sessionData holds (text: 65,535). */
  maxBytes: number;
}

interface Column {
  name: string;
  type: string;
  length: number | null;
  bytes: number | null;
  charset: string | null;
}

/**
 * Creates the tables, or checks and adopts an existing session table; serialised across processes
 * by GET_LOCK (one connection holds it for the whole setup, which is what GET_LOCK is for).
 */
export async function prepare(
  pool: mysql.Pool,
  name: string,
  notice: (message: string) => void,
): Promise<Shape> {
  const connection = await pool.getConnection();
  const table = quote(name);
  try {
    const [[db]] = await connection.query<mysql.RowDataPacket[]>("SELECT DATABASE() AS name");
    if (!db.name) throw refusal(name, "the URL names no database (expected mysql://user@host:3306/DATABASE)");
    await connection.query("SELECT GET_LOCK(?, 10)", [`cherry_setup_${db.name}`.slice(0, 64)]);
    await connection.query(
      `CREATE TABLE IF NOT EXISTS ${table} (
         sessionId VARCHAR(50) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
         sessionData LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
         expirationTime DECIMAL(15,3) NOT NULL,
         INDEX ${quote(`${name}_expirationTime`)} (expirationTime)
       ) ENGINE=InnoDB`,
    );
    await connection.query(
      `CREATE TABLE IF NOT EXISTS ${quote(`${name}_locks`)} (
         sessionId CHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
         token CHAR(24) CHARACTER SET ascii NOT NULL,
         expiresAt BIGINT NOT NULL
       ) ENGINE=MEMORY`,
    );
    const [columns] = await connection.query<mysql.RowDataPacket[]>(
      `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, CHARACTER_MAXIMUM_LENGTH AS length,
              CHARACTER_OCTET_LENGTH AS bytes, CHARACTER_SET_NAME AS charset
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
      [name],
    );
    const shape = checkColumns(name, columns as Column[]);
    await addKeys(connection, name, notice);
    return shape;
  } finally {
    await connection.query("SELECT RELEASE_ALL_LOCKS()").catch(() => undefined);
    connection.release();
  }
}

const TEXT_TYPES = new Set(["char", "varchar", "tinytext", "text", "mediumtext", "longtext", "json"]);
const NUMBER_TYPES = new Set(["int", "bigint", "mediumint", "decimal", "double", "float"]);

/** The table's shape, or a refusal naming the column cherry would have to change. */
function checkColumns(name: string, columns: Column[]): Shape {
  const column = (wanted: string) => columns.find((c) => c.name.toLowerCase() === wanted.toLowerCase());
  const id = column("sessionId");
  const data = column("sessionData");
  const expiry = column("expirationTime");
  if (!id || !data || !expiry)
    throw refusal(
      name,
      `it has no ${[!id && "sessionId", !data && "sessionData", !expiry && "expirationTime"].filter(Boolean).join(", ")} column: it is not a session table (set ?table= to another name)`,
    );
  if (!["char", "varchar"].includes(id.type) || (id.length ?? 0) < 40)
    throw refusal(
      name,
      `sessionId is ${id.type}(${id.length}): a session id has 40 characters`,
      `ALTER TABLE ${quote(name)} MODIFY sessionId VARCHAR(50) NOT NULL`,
    );
  if (!TEXT_TYPES.has(data.type)) throw refusal(name, `sessionData is ${data.type}, not text`);
  if (!NUMBER_TYPES.has(expiry.type))
    throw refusal(name, `expirationTime is ${expiry.type}, not a number of seconds`);
  return {
    wholeSeconds: !["decimal", "double", "float"].includes(expiry.type),
    asciiOnly: data.type !== "json" && data.charset !== "utf8mb4",
    maxBytes: Math.min(Number(data.bytes ?? 2 ** 32 - 1), 2 ** 32 - 1),
  };
}

/**
 * The HowTo's table has no key: cherry needs sessionId unique (saves are upserts) and the expiry
 * indexed (sweeps). Adding both changes no row, so it is done, once, with a notice; duplicate ids
 * would mean deleting rows, so that is refused.
 */
async function addKeys(
  connection: mysql.PoolConnection,
  name: string,
  notice: (message: string) => void,
): Promise<void> {
  const [indexes] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT INDEX_NAME AS name, COLUMN_NAME AS col, SEQ_IN_INDEX AS seq, NON_UNIQUE AS nonUnique
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
    [name],
  );
  const columnsOf = (index: string) =>
    indexes.filter((i) => i.name === index).map((i) => String(i.col).toLowerCase());
  const names = [...new Set(indexes.map((i) => String(i.name)))];
  const unique = names.some(
    (n) => indexes.find((i) => i.name === n)?.nonUnique === 0 && columnsOf(n).join() === "sessionid",
  );
  const sweepable = indexes.some(
    (i) => String(i.col).toLowerCase() === "expirationtime" && Number(i.seq) === 1,
  );
  if (unique && sweepable) return;
  const table = quote(name);
  const added: string[] = [];
  if (!unique) {
    const [dupes] = await connection.query<mysql.RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM (SELECT sessionId FROM ${table} GROUP BY sessionId HAVING COUNT(*) > 1) AS d`,
    );
    if (Number(dupes[0].n) > 0)
      throw refusal(
        name,
        `${dupes[0].n} sessionId value(s) appear in several rows, so it cannot get the primary key cherry needs (cherry does not delete your rows)`,
        `DELETE the duplicates, then ALTER TABLE ${table} ADD PRIMARY KEY (sessionId)`,
      );
    await connection.query(`ALTER TABLE ${table} ADD PRIMARY KEY (sessionId)`);
    added.push("PRIMARY KEY (sessionId)");
  }
  if (!sweepable) {
    await connection.query(
      `ALTER TABLE ${table} ADD INDEX ${quote(`${name}_expirationTime`)} (expirationTime)`,
    );
    added.push("an index on expirationTime");
  }
  notice(
    `table ${name} has the CherryPy HowTo's shape: added ${added.join(" and ")}; its columns and rows are kept as they are`,
  );
}

function refusal(name: string, why: string, fix?: string): CherryError {
  return new CherryError("E_STORE_UNSUPPORTED", `[store:mysql] cannot use table ${name}: ${why}`, {
    hint: fix
      ? `cherry does not alter your table; run ${fix}, or set ?table= to a new name`
      : "set ?table= in [session] storageUrl to a new name, and cherry creates it",
  });
}

export function quote(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}
