/**
 * `storageType = custom` with a `storageModule` whose default export is a store of cherry's own
 * contract (`export default defineStore({ get, set, destroy, … })`, README "Sessions"): used as it
 * is, by the server and by `cherry sessions`. The HowTo's three functions still come first.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Client, COUNTER, countOf, serveApp, type TestApp } from "../helpers/app.js";
import { cherry } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

// In-process servers run cherry's sources, where "cherry" has no built entry to resolve to: this
// store is the object defineStore returns (it returns its argument). The CLI test imports it.
const STORE = `const rows = new Map();
export default ({
  get: (id) => rows.get(id),
  set: (id, session) => { rows.set(id, { data: session.data, expiresAt: session.expiresAt }); },
  destroy: (id) => { rows.delete(id); },
  async *list() {
    for (const [id, s] of rows) yield { id, expiresAt: s.expiresAt, bytes: JSON.stringify(s.data).length };
  },
});
`;

const CFG = "[session]\nstorageType = custom\nstorageModule = src/store.ts\n";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("a default-exported defineStore store as storageModule", () => {
  it("keeps the counter's sessions", async () => {
    app = await serveApp({ "RootServer.cfg": CFG, "src/root.ts": COUNTER, "src/store.ts": STORE });
    const client = new Client(app.url);
    expect(countOf(await client.text("/"))).toBe(1);
    expect(countOf(await client.text("/"))).toBe(2);
    expect(countOf(await new Client(app.url).text("/"))).toBe(1);
  });

  it("is what cherry sessions opens, with the methods it has", async () => {
    const id = "a".repeat(40);
    const store = `import { defineStore } from "cherry";
export default defineStore({
  get: () => ({ data: { n: 1 }, expiresAt: 4102444800000 }),
  set() {},
  destroy() {},
  async *list() { yield { id: "${id}", expiresAt: 4102444800000, bytes: 7 }; },
});
`;
    const cwd = tempDir({ "RootServer.cfg": CFG, "src/root.ts": COUNTER, "src/store.ts": store });
    const ls = await cherry(["sessions", "ls", "--json"], { cwd });
    expect(ls.stderr).toBe("");
    expect(JSON.parse(ls.stdout)).toEqual([{ id, expiresAt: 4102444800000, expired: false, bytes: 7 }]);
    const purge = await cherry(["sessions", "purge"], { cwd });
    expect(purge.exitCode).toBe(1);
  });

  it("is never the app module's default export: that one is the app", async () => {
    const app0 = `export default { index: () => "hi", get() {}, set() {}, destroy() {} };\n`;
    app = await serveApp(
      { "RootServer.cfg": "[session]\nstorageType = custom\n", "src/root.ts": app0 },
      { watch: true, liveReload: false },
    );
    const res = await fetch(app.url);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain(
      "does not export saveSessionData, loadSessionData, cleanUpOldSessions",
    );
  });
});
