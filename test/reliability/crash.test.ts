/**
 * Crash safety: a `cherry serve` killed with SIGKILL at random moments under load. After each
 * restart no session file or row is corrupt, and every update whose response was received is there.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { SessionStore } from "../../src/sessions/store.js";
import { FileStore } from "../../src/sessions/stores/file.js";
import { SqliteStore } from "../../src/sessions/stores/sqlite.js";
import { startCli } from "../helpers/spawn.js";
import { tempDir } from "../helpers/tmp.js";

const KILLS = Number(process.env.CHERRY_CRASH_KILLS ?? 6);
const APP = `export default { index(r) { const n = r.sessionMap.get("n", 0) + 1; r.sessionMap.set("n", n); r.sessionMap.set("pad", "x".repeat(n % 500)); return String(n); } };`;

const STORES = {
  file: {
    cfg: "storageType = file\nstorageFileDir = sessions",
    open: (dir: string) => new FileStore(path.join(dir, "sessions")),
  },
  sqlite: {
    cfg: "storageType = sqlite",
    open: (dir: string) => new SqliteStore(path.join(dir, "sessions.db")),
  },
};

describe.each(Object.keys(STORES) as (keyof typeof STORES)[])("SIGKILL under load: %s", (name) => {
  it(`keeps every acknowledged update over ${KILLS} kills`, async () => {
    const dir = tempDir({
      "RootServer.cfg": `[server]\nsocketPort = 0\nlogToScreen = 0\n[session]\n${STORES[name].cfg}\n`,
      "src/root.ts": APP,
    });
    const acknowledged = new Map<string, number>();
    for (let kill = 0; kill < KILLS; kill++) {
      const server = await startCli(["serve", "--no-watch"], dir);
      let running = true;
      const clients = Array.from({ length: 8 }, async (_, c) => {
        let cookie: string | undefined = [...acknowledged.keys()][c];
        while (running) {
          try {
            const headers: Record<string, string> = cookie ? { cookie: `CherryPySession=${cookie}` } : {};
            const res: Response = await fetch(`${server.url}/`, { headers });
            const body = await res.text();
            const set: string | null = res.headers.get("set-cookie");
            if (set) cookie = /CherryPySession=([0-9a-f]{40})/.exec(set)?.[1];
            if (res.status === 200 && cookie) acknowledged.set(cookie, Number(body));
          } catch {
            return;
          }
        }
      });
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 350));
      server.proc.kill("SIGKILL");
      running = false;
      await Promise.all(clients);
      await server.stop();
    }
    const store: SessionStore = STORES[name].open(dir);
    try {
      for (const entry of await collect(store))
        expect((await store.get(entry))?.data, `session ${entry} is readable`).toBeDefined();
      for (const [id, count] of acknowledged) {
        const stored = (await store.get(id))?.data.n as number;
        expect(stored, `session ${id.slice(0, 8)}: acknowledged ${count}`).toBeGreaterThanOrEqual(count);
      }
      expect(acknowledged.size).toBeGreaterThan(0);
    } finally {
      await store.close?.();
    }
  }, 60_000);
});

async function collect(store: { list?: () => AsyncIterable<{ id: string }> }): Promise<string[]> {
  const ids: string[] = [];
  if (store.list) for await (const e of store.list()) ids.push(e.id);
  return ids;
}
