/**
 * Scaling past one process: several workers (node:cluster) on one store, and two separate servers
 * sharing Redis, PostgreSQL or MySQL as a load balancer would send them a client's requests.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dropTestNamespace, sharedStores } from "../helpers/services.js";
import { startCli } from "../helpers/spawn.js";
import { tempDir } from "../helpers/tmp.js";

const APP = `export default class Root {
  async index(request) {
    const n = request.sessionMap.get("n", 0);
    await new Promise((r) => setTimeout(r, 2));
    request.sessionMap.set("n", n + 1);
    return String(n + 1);
  }
  async slow(request) {
    const n = request.sessionMap.get("n", 0);
    await new Promise((r) => setTimeout(r, 10));
    request.sessionMap.set("n", n + 1);
    return String(n + 1);
  }
}`;
const tag = `t${randomBytes(4).toString("hex")}`;
const STORES: Record<string, string> = {
  file: "storageType = file\nstorageFileDir = sessions",
  sqlite: "storageType = sqlite",
  ...(await sharedStores(tag, "workers")),
};

afterAll(() =>
  dropTestNamespace(tag, {
    redis: Boolean(STORES.redis),
    postgres: Boolean(STORES.postgres),
    mysql: Boolean(STORES.mysql),
  }),
);

async function hammer(urls: string[], cookie: string, total: number, connections: number): Promise<number> {
  let sent = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      while (sent < total) {
        sent++;
        const res = await fetch(`${urls[(sent + c) % urls.length]}/`, { headers: { cookie } });
        await res.text();
        if (res.status === 200) ok++;
      }
    }),
  );
  return ok;
}

async function firstCookie(url: string): Promise<string> {
  const res = await fetch(url.endsWith("/slow") ? url : `${url}/`);
  await res.text();
  return (res.headers.get("set-cookie") ?? "").split(";")[0];
}

/** `cherry serve --workers 4` on `store`, in a folder of its own. */
function fourWorkers(store: string) {
  const dir = tempDir({
    "RootServer.cfg": `[server]\nsocketPort = 0\nlogToScreen = 0\n[session]\n${STORES[store]}\n`,
    "src/root.ts": APP,
  });
  return startCli(["serve", "--workers", "4", "-c", path.join(dir, "RootServer.cfg")], dir);
}

describe.each(Object.keys(STORES))("4 workers x 50 connections on one session: %s", (store) => {
  it("loses no update", async () => {
    const server = await fourWorkers(store);
    try {
      const cookie = await firstCookie(server.url);
      const ok = await hammer([server.url], cookie, 300, 50);
      expect(ok).toBe(300);
      const final = await fetch(`${server.url}/`, { headers: { cookie } }).then((r) => r.text());
      expect(Number(final), `${store}: every one of 300 concurrent updates counted`).toBe(302);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it("ends 5 clients x 30 requests (read, await 10 ms, write) at exactly 151", async () => {
    const server = await fourWorkers(store);
    try {
      const cookie = await firstCookie(`${server.url}/slow`);
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          for (let i = 0; i < 30; i++) {
            const res = await fetch(`${server.url}/slow`, { headers: { cookie } });
            expect(res.status).toBe(200);
            await res.text();
          }
        }),
      );
      const final = await fetch(`${server.url}/slow`, { headers: { cookie } }).then((r) => r.text());
      expect(final).toBe("152");
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe.each(Object.keys(STORES).filter((s) => s === "redis" || s === "postgres" || s === "mysql"))(
  "two servers sharing %s",
  (store) => {
    it("keep one consistent session when a client alternates between them", async () => {
      const cfg = `[server]\nsocketPort = 0\nlogToScreen = 0\n[session]\n${STORES[store]}\n`;
      const a = await startCli(
        ["serve", "--no-watch"],
        tempDir({ "RootServer.cfg": cfg, "src/root.ts": APP }),
      );
      const b = await startCli(
        ["serve", "--no-watch"],
        tempDir({ "RootServer.cfg": cfg, "src/root.ts": APP }),
      );
      try {
        const cookie = await firstCookie(a.url);
        for (let i = 2; i <= 6; i++) {
          const url = i % 2 ? a.url : b.url;
          expect(await fetch(`${url}/`, { headers: { cookie } }).then((r) => r.text())).toBe(String(i));
        }
        expect(await hammer([a.url, b.url], cookie, 100, 20)).toBe(100);
        expect(await fetch(`${b.url}/`, { headers: { cookie } }).then((r) => r.text())).toBe("107");
      } finally {
        await a.stop();
        await b.stop();
      }
    }, 60_000);
  },
);
