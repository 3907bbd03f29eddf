import { readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Client, COUNTER, countOf, edit, serveApp, type TestApp } from "../helpers/app.js";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const CUSTOM = (label: string, fail = false) => `
const rows = new Map();
export const saveSessionData = (id, data, exp) => { ${fail ? 'throw new Error("database is down");' : ""} rows.set(id, [data, exp]); };
export const loadSessionData = (id) => rows.get(id) ?? null;
export const cleanUpOldSessions = () => {};
export default { index(request) { const n = request.sessionMap.get("n", 0) + 1; request.sessionMap.set("n", n); return "${label} " + n; } };
`;

describe("sessions across reloads", () => {
  it("swaps the store when storageType changes in the config, without a restart", async () => {
    app = await serveApp({ "RootServer.cfg": "[session]\nstorageType = ram\n" }, { watch: true });
    const client = new Client(app.url);
    expect(countOf(await client.text("/"))).toBe(1);
    await edit(
      app,
      "RootServer.cfg",
      "[server]\nsocketPort = 0\n[session]\nstorageType = file\nstorageFileDir = sessions\n",
    );
    expect(app.logger.lines).toContain("info: [sessions] store is now file");
    const fresh = new Client(app.url);
    expect(countOf(await fresh.text("/"))).toBe(1);
    expect(readdirSync(path.join(app.dir, "sessions"))).toHaveLength(1);
  });

  it("keeps RAM sessions across config edits that keep storageType = ram", async () => {
    app = await serveApp({ "RootServer.cfg": "[session]\nstorageType = ram\n" }, { watch: true });
    const client = new Client(app.url);
    await client.get("/");
    await edit(
      app,
      "RootServer.cfg",
      "[server]\nsocketPort = 0\n[session]\nstorageType = ram\ntimeout = 30\n",
    );
    expect(countOf(await client.text("/"))).toBe(2);
  });

  it("reloads custom store functions with the app, and a throwing one is a 500 with its stack logged", async () => {
    app = await serveApp(
      { "RootServer.cfg": "[session]\nstorageType = custom\n", "src/root.ts": CUSTOM("v1") },
      { watch: true, liveReload: false },
    );
    expect(await (await fetch(app.url)).text()).toBe("v1 1");
    await edit(app, "src/root.ts", CUSTOM("v2", true));
    const res = await fetch(app.url);
    expect(res.status).toBe(500);
    expect(
      app.logger.lines.some(
        (l) => l.includes("[store:custom]") && l.includes("database is down") && l.includes("at "),
      ),
    ).toBe(true);
    await edit(app, "src/root.ts", CUSTOM("v3"));
    expect(await (await fetch(app.url)).text()).toBe("v3 1");
  });

  it("says which functions a custom store lacks, and recovers when they appear", async () => {
    app = await serveApp(
      { "RootServer.cfg": "[session]\nstorageType = custom\n", "src/root.ts": COUNTER },
      { watch: true, liveReload: false },
    );
    const res = await fetch(app.url);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain(
      "does not export saveSessionData, loadSessionData, cleanUpOldSessions",
    );
    await edit(app, "src/root.ts", CUSTOM("ok"));
    expect(await (await fetch(app.url)).text()).toBe("ok 1");
  });
});
