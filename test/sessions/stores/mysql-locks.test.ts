/**
 * A lock attempt of the mysql store whose answer never came: the INSERT ran on the server, but the
 * store gave up (queryTimeout) and answered E_STORE_UNAVAILABLE. The row it left would block the
 * session for the lock's ttl and stay after it; cherry deletes its token once the server answers
 * again. The answer is held back by a TCP proxy between the store and the shared MariaDB.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import mysql from "mysql2/promise";
import { afterAll, expect, it } from "vitest";
import { newSessionId } from "../../../src/sessions/ids.js";
import { MysqlStore } from "../../../src/sessions/stores/mysql.js";
import { describeWithService, dropMysqlTables, MYSQL_URL, mysql as mariadb } from "../../helpers/services.js";

const table = `cherry_test_${randomBytes(4).toString("hex")}`;
afterAll(() => dropMysqlTables(table));

/** Forwards to the MariaDB of MYSQL_URL; while `mute`, the server's answers are dropped. */
async function proxy(): Promise<{ port: number; mute: boolean; close(): Promise<void> }> {
  const target = new URL(MYSQL_URL);
  const sockets = new Set<net.Socket>();
  const state = { port: 0, mute: false, close: async () => undefined as undefined };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 3306), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    client.on("data", (d) => upstream.write(d));
    upstream.on("data", (d) => {
      if (!state.mute) client.write(d);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  state.port = (server.address() as net.AddressInfo).port;
  state.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    return undefined;
  };
  return state;
}

describeWithService("mysql: a lock attempt that timed out", await mariadb(), () => {
  it("leaves no lock row once the server answers again", async () => {
    const relay = await proxy();
    const url = new URL(MYSQL_URL);
    url.host = `127.0.0.1:${relay.port}`;
    const store = await MysqlStore.connect({ url: `${url}?table=${table}&queryTimeout=300&poolSize=1` });
    const db = await mysql.createConnection({ uri: MYSQL_URL });
    const rows = async () =>
      Number((await db.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}_locks`))[0][0].n);
    try {
      // One connection that has the INSERT prepared: muted, it sends the statement itself.
      await (await store.tryLock(newSessionId(), 15_000))?.();
      const id = newSessionId();
      relay.mute = true;
      await expect(store.tryLock(id, 15_000)).rejects.toMatchObject({ code: "E_STORE_UNAVAILABLE" });
      // The INSERT ran: only its answer was lost.
      expect(await rows()).toBe(1);
      relay.mute = false;
      let left = 1;
      for (let i = 0; i < 50 && left !== 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        left = await rows();
      }
      // Gone well before the 15 s ttl (and an expired row would stay until taken over).
      expect(left).toBe(0);
      const release = await store.tryLock(id, 15_000);
      expect(release).toBeTypeOf("function");
      await release?.();
    } finally {
      relay.mute = false;
      await store.close();
      await db.end();
      await relay.close();
    }
  });
});
