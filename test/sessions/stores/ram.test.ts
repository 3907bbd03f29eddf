import { describe, expect, it } from "vitest";
import { RamStore } from "../../../src/sessions/stores/ram.js";
import { Client, countOf, edit, serveApp } from "../../helpers/app.js";
import { describeStoreContract } from "../store-contract.js";

describeStoreContract("ram", async () => ({ store: new RamStore() }), {
  skip: { "corrupt data": "RAM holds live objects: nothing can be half-written or unreadable" },
});

describe("ram store bound", () => {
  const HOUR = 3_600_000;
  const save = (store: RamStore, id: string, data: Record<string, unknown> = { n: 1 }) =>
    store.set(id, { data, expiresAt: Date.now() + HOUR });
  const ids = async (store: RamStore) => {
    const out: string[] = [];
    for await (const s of store.list()) out.push(s.id);
    return out;
  };
  const id = (i: number) => i.toString(16).padStart(40, "0");

  it("holds ramMaxSessions: 1000 saves keep the 100 most recent", async () => {
    const store = new RamStore({ maxSessions: 100, maxBytes: 10 ** 9 });
    for (let i = 0; i < 1000; i++) save(store, id(i));
    expect(store.size.sessions).toBe(100);
    expect(await ids(store)).toEqual(Array.from({ length: 100 }, (_, k) => id(900 + k)));
  });

  it("holds ramMaxBytes, counted from the data's JSON size", () => {
    const store = new RamStore({ maxSessions: 10 ** 6, maxBytes: 20_000 });
    const data = { blob: "x".repeat(1000) };
    for (let i = 0; i < 500; i++) save(store, id(i), data);
    expect(store.size.bytes).toBeLessThanOrEqual(20_000);
    expect(store.size.sessions).toBeGreaterThanOrEqual(15);
    expect(store.size.sessions).toBeLessThanOrEqual(20);
  });

  it("removes the least recently used first: a read or a touch counts as a use", async () => {
    const store = new RamStore({ maxSessions: 3, maxBytes: 10 ** 9 });
    for (const i of [1, 2, 3]) save(store, id(i));
    store.get(id(1));
    save(store, id(4)); // 2 is the least recently used
    expect((await ids(store)).sort()).toEqual([id(1), id(3), id(4)]);
    store.touch(id(3), Date.now() + HOUR);
    save(store, id(5)); // 1 is now
    expect((await ids(store)).sort()).toEqual([id(3), id(4), id(5)]);
    save(store, id(3), { n: 2 }); // re-saving is a use too
    save(store, id(6));
    expect((await ids(store)).sort()).toEqual([id(3), id(5), id(6)]);
  });

  it("refuses one session bigger than ramMaxBytes on its own, evicting nobody for it", () => {
    const store = new RamStore({ maxSessions: 10, maxBytes: 2048 });
    save(store, id(1));
    expect(() => save(store, id(2), { blob: "x".repeat(4096) })).toThrow(
      /over \[session\] ramMaxBytes = 2048/,
    );
    expect(store.size.sessions).toBe(1);
  });

  it("sizes cyclic and non-JSON values without looping", () => {
    const store = new RamStore({ maxSessions: 10, maxBytes: 4096 });
    const cyclic: Record<string, unknown> = { name: "a" };
    cyclic.self = cyclic;
    save(store, id(1), { cyclic, map: new Map([["k", "v".repeat(100)]]), buffer: Buffer.alloc(1000) });
    expect(store.size.bytes).toBeGreaterThan(1100);
    expect(store.size.bytes).toBeLessThan(1300);
  });

  it("reports evictions once per sweep, with their count, then not again", () => {
    const store = new RamStore({ maxSessions: 10, maxBytes: 10 ** 9 });
    for (let i = 0; i < 250; i++) save(store, id(i));
    expect(store.purge({ now: Date.now() }).note).toMatch(
      /^\[store:ram\] 240 least recently used session\(s\) removed since the last sweep/,
    );
    expect(store.purge({ now: Date.now() }).note).toBeUndefined();
  });
});

describe("ram store under a flood of new visitors (HTTP)", () => {
  it("keeps ramMaxSessions, logs evictions per sweep, and a recently used session survives", async () => {
    const app = await serveApp({
      "RootServer.cfg": "[session]\nstorageType = ram\nramMaxSessions = 200\ncleanUpDelay = 0.002\n",
    });
    try {
      const live = new Client(app.url);
      let visits = 0;
      let count = 0;
      for (let round = 0; round < 10; round++) {
        count = countOf(await live.text("/"));
        visits++;
        // 100 cookieless visitors, 10 at a time: each gets a session (the counter stores on every visit).
        for (let batch = 0; batch < 10; batch++)
          await Promise.all(Array.from({ length: 10 }, () => fetch(app.url).then((r) => r.text())));
      }
      count = countOf(await live.text("/"));
      visits++;
      expect(count).toBe(visits);
      // 1000 visitors + the live one = 1001 sessions made; 200 kept, so 801 evicted, reported by
      // the sweeps in a few lines (one per sweep that saw evictions), never a line per eviction.
      const evicted = () =>
        app.logger.lines
          .map((l) => /\[store:ram\] (\d+) least recently used/.exec(l))
          .reduce((sum, m) => sum + (m ? Number(m[1]) : 0), 0);
      for (let wait = 0; wait < 100 && evicted() < 801; wait++) await new Promise((r) => setTimeout(r, 50));
      expect(evicted()).toBe(801);
      const lines = app.logger.lines.filter((l) => l.includes("least recently used"));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.length).toBeLessThan(100);
      expect(lines.every((l) => l.startsWith("warn: "))).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe("ram store bound on a config edit (watch mode)", () => {
  it("applies a new ramMaxSessions from the next save, keeping the sessions that fit", async () => {
    const cfg = (max: number) =>
      `[server]\nsocketPort = 0\n[session]\nstorageType = ram\nramMaxSessions = ${max}\n`;
    const app = await serveApp({ "RootServer.cfg": cfg(100) }, { watch: true, liveReload: false });
    try {
      const clients = Array.from({ length: 4 }, () => new Client(app.url));
      for (const client of clients) await client.text("/");
      await edit(app, "RootServer.cfg", cfg(2));
      // A save now trims the store to the 2 most recently used: the last client and this one.
      expect(countOf(await clients[3].text("/"))).toBe(2);
      expect(countOf(await clients[0].text("/"))).toBe(1);
      expect(countOf(await clients[3].text("/"))).toBe(3);
      expect(countOf(await clients[1].text("/"))).toBe(1);
    } finally {
      await app.close();
    }
  });
});
