/**
 * A reload builds the next runtime whole and swaps it, or keeps the current one whole
 * (src/server/runtime.ts, docs/architecture.md "The dev server: build, then swap"). Each case is a
 * fault a user met: what the server writes reloading open pages in a loop, a sweep interval Node's
 * timers cannot hold, edits outside the config's folder going unseen, one broken save reported
 * twice, a rejected edit logged as a reload, a failed store switch leaving config and store apart.
 */
import { chmodSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Client, COUNTER, countOf, edit, serveApp, type TestApp } from "../helpers/app.js";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** RootServer.cfg on port 0 with `server` lines and `session` lines. */
const cfg = (server: string, session = "storageType = ram\n") =>
  `[server]\nsocketPort = 0\n${server}[session]\n${session}`;

/** An open page's live-reload channel: counts the reloads the server sends it. */
async function openPage(url: string) {
  const controller = new AbortController();
  const res = await fetch(new URL("/__cherry/live", url), { signal: controller.signal });
  const reader = res.body?.getReader();
  let seen = "";
  void (async () => {
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) return;
        seen += new TextDecoder().decode(chunk.value);
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    reloads: () => seen.split("event: reload").length - 1,
    close: () => controller.abort(),
  };
}

/** Writes a file and waits for the reload it causes, or `ms`; says whether one came. */
async function editWithin(target: TestApp, file: string, content: string, ms = 4000): Promise<boolean> {
  const reloaded = target.server.nextReload().then(() => true);
  target.write(file, content);
  return Promise.race([reloaded, sleep(ms).then(() => false)]);
}

describe("what the server writes never reloads open pages", () => {
  it("a logFile added by a config edit: one reload for the edit, none for the lines logged", async () => {
    app = await serveApp({ "RootServer.cfg": cfg("") }, { watch: true, realLogger: true });
    const page = await openPage(app.url);
    await edit(app, "RootServer.cfg", cfg("logFile = access.log\n"));
    for (let i = 0; i < 4; i++) {
      expect((await fetch(app.url)).status).toBe(200);
      await sleep(150);
    }
    await sleep(300);
    page.close();
    expect(readFileSync(path.join(app.dir, "access.log"), "utf8")).toContain("GET /");
    expect(page.reloads()).toBe(1);
  });

  it.each([
    ["a logFile", "logFile = logs/access.log\n", "storageType = ram\n", "logs"],
    ["a file store's folder", "", "storageType = file\nstorageFileDir = sessions\n", "sessions"],
    ["a SQLite file", "", "storageType = sqlite\nstorageFile = data/store.bin\n", "data"],
  ])(
    "%s reached through a symbolic link inside the app folder, added by an edit",
    async (_, server, session, link) => {
      app = await serveApp({ "RootServer.cfg": cfg(""), "var/.keep": "" }, { watch: true, realLogger: true });
      chmodSync(path.join(app.dir, "var"), 0o700);
      // The link is a change of its own: let it pass before the page opens.
      const linked = app.server.nextReload();
      symlinkSync("var", path.join(app.dir, link));
      await Promise.race([linked, sleep(3000)]);
      const page = await openPage(app.url);
      await edit(app, "RootServer.cfg", cfg(server, session));
      const browser = new Client(app.url);
      for (let i = 1; i <= 4; i++) {
        expect(countOf(await browser.text("/"))).toBe(i);
        await sleep(150);
      }
      await sleep(300);
      page.close();
      expect(readdirSync(path.join(app.dir, "var")).length).toBeGreaterThan(1);
      expect(page.reloads()).toBe(1);
    },
  );

  it("a session folder inside the app folder, switched to by a config edit", async () => {
    app = await serveApp({ "RootServer.cfg": cfg("") }, { watch: true });
    const page = await openPage(app.url);
    await edit(app, "RootServer.cfg", cfg("", "storageType = file\nstorageFileDir = sessions\n"));
    const browser = new Client(app.url);
    for (let i = 1; i <= 4; i++) {
      expect(countOf(await browser.text("/"))).toBe(i);
      await sleep(150);
    }
    await sleep(300);
    page.close();
    expect(readdirSync(path.join(app.dir, "sessions")).length).toBeGreaterThan(0);
    expect(page.reloads()).toBe(1);
  });
});

describe("a cleanUpDelay longer than Node's timers hold", () => {
  // The custom store's cleanUpOldSessions counts the sweeps.
  const SWEEP_COUNTING_APP = `${COUNTER}
const data = new Map<string, [Record<string, unknown>, number]>();
const counter = globalThis as { cherrySweeps?: number };
export const saveSessionData = (id: string, d: Record<string, unknown>, exp: number) => void data.set(id, [d, exp]);
export const loadSessionData = (id: string) => data.get(id) ?? null;
export const cleanUpOldSessions = () => {
  counter.cherrySweeps = (counter.cherrySweeps ?? 0) + 1;
};
`;

  it("43200 minutes (30 days) is not swept every millisecond", async () => {
    const counter = globalThis as { cherrySweeps?: number };
    counter.cherrySweeps = 0;
    app = await serveApp({
      "RootServer.cfg": cfg("", "storageType = custom\ncleanUpDelay = 43200\n"),
      "src/root.ts": SWEEP_COUNTING_APP,
    });
    expect(countOf(await new Client(app.url).text("/"))).toBe(1);
    await sleep(300);
    expect(counter.cherrySweeps).toBe(0);
  });
});

describe("edits outside the config's folder", () => {
  it("appModule = ../src/root.ts (the config in a folder of its own) reloads on save", async () => {
    app = await serveApp(
      { "conf/RootServer.cfg": "[server]\nappModule = ../src/root.ts\n[session]\nstorageType = ram\n" },
      { watch: true, configAt: "conf/RootServer.cfg" },
    );
    expect(await (await fetch(app.url)).text()).toContain("Hello");
    expect(await editWithin(app, "src/root.ts", COUNTER.replace("Hello", "Hi"))).toBe(true);
    expect(await (await fetch(app.url)).text()).toContain("Hi, you've been here");
  });

  it("a module the app imports from a sibling folder reloads on save", async () => {
    const root = `import { greeting } from "../../lib/greet.ts";
export default class Root {
  index() {
    return greeting;
  }
}
`;
    app = await serveApp(
      {
        "app/RootServer.cfg": "[session]\nstorageType = ram\n",
        "app/src/root.ts": root,
        "lib/greet.ts": 'export const greeting = "Hello from lib";\n',
      },
      { watch: true, configAt: "app/RootServer.cfg" },
    );
    expect(await (await fetch(app.url)).text()).toContain("Hello from lib");
    expect(await editWithin(app, "lib/greet.ts", 'export const greeting = "Hi from lib";\n')).toBe(true);
    expect(await (await fetch(app.url)).text()).toContain("Hi from lib");
  });
});

describe("what a reload reports", () => {
  const BROKEN = "export default class Root {\n  index() {\n    return 'x' +;\n  }\n}\n";

  it("one broken file saved twice by the editor: one error, one reload", async () => {
    app = await serveApp({ "RootServer.cfg": cfg("") }, { watch: true });
    const page = await openPage(app.url);
    const reloaded = app.server.nextReload();
    app.write("src/root.ts", BROKEN);
    await sleep(30);
    app.write("src/root.ts", BROKEN);
    await reloaded;
    await sleep(500);
    page.close();
    expect(app.logger.lines.filter((l) => l.includes("build failed")).length).toBe(1);
    expect(page.reloads()).toBe(1);
    // Fixed: served again, and the page is told.
    const fixedPage = await openPage(app.url);
    await edit(app, "src/root.ts", COUNTER);
    expect(countOf(await new Client(app.url).text("/"))).toBe(1);
    await sleep(100);
    fixedPage.close();
    expect(fixedPage.reloads()).toBe(1);
  });

  it("a rejected config edit logs why and no 'reloaded'", async () => {
    app = await serveApp({ "RootServer.cfg": cfg("") }, { watch: true });
    const before = app.logger.lines.length;
    await edit(app, "RootServer.cfg", cfg("", "storageType = ram\ncleanUpDelay = soon\n"));
    const lines = app.logger.lines.slice(before);
    expect(lines.some((l) => l.includes("keeping the previous config"))).toBe(true);
    expect(lines.some((l) => l.includes("reloaded in"))).toBe(false);
  });

  it("a deleted app file is reported as missing, and served again once re-created", async () => {
    app = await serveApp({ "RootServer.cfg": cfg("") }, { watch: true });
    const file = path.join(app.dir, "src/root.ts");
    let reloaded = app.server.nextReload();
    rmSync(file);
    await reloaded;
    const res = await fetch(app.url, { headers: { accept: "text/plain" } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("Could not resolve");
    expect(text).toMatch(/src\/root\.ts.*(is missing|does not exist)/);
    reloaded = app.server.nextReload();
    writeFileSync(file, COUNTER.replace("Hello", "Hi"));
    await reloaded;
    expect(await (await fetch(app.url)).text()).toContain("Hi, you've been here 1 time");
  });
});

describe("a store switch that fails", () => {
  it("keeps the old runtime serving with the old config; the next good edit applies", async () => {
    app = await serveApp({ "RootServer.cfg": cfg("") }, { watch: true, liveReload: false });
    const browser = new Client(app.url);
    expect(countOf(await browser.text("/"))).toBe(1);
    // Nothing listens on port 1: the connection is refused.
    await edit(app, "RootServer.cfg", cfg("", "storageType = redis\nstorageUrl = redis://127.0.0.1:1\n"));
    expect(app.server.config.session.storageType).toBe("ram");
    expect(app.logger.lines.some((l) => l.startsWith("error:") && l.includes("127.0.0.1:1"))).toBe(true);
    expect(countOf(await browser.text("/"))).toBe(2);
    await edit(app, "RootServer.cfg", cfg("", "storageType = ram\ncleanUpDelay = 5\n"));
    expect(app.server.config.session.cleanUpDelay).toBe(5);
    expect(countOf(await browser.text("/"))).toBe(3);
  });
});

describe("a config edit during a request keeps the session's lock", () => {
  it("a logFile added while a slow request holds the session: the next request waits, no update is lost", async () => {
    const SLOW = `export default class Root {
  index(request: { sessionMap: Map<string, unknown> }) {
    const n = ((request.sessionMap.get("n") as number) ?? 0) + 1;
    request.sessionMap.set("n", n);
    return String(n);
  }
  async slow(request: { sessionMap: Map<string, unknown> }) {
    const n = ((request.sessionMap.get("n") as number) ?? 0) + 1;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    request.sessionMap.set("n", n);
    return String(n);
  }
}
`;
    app = await serveApp(
      { "RootServer.cfg": cfg(""), "src/root.ts": SLOW },
      { watch: true, realLogger: true },
    );
    const browser = new Client(app.url);
    expect(Number.parseInt(await browser.text("/"), 10)).toBe(1);
    const slow = browser.text("/slow");
    await sleep(200);
    await edit(app, "RootServer.cfg", cfg("logFile = access.log\n"));
    expect(Number.parseInt(await browser.text("/"), 10)).toBe(3);
    expect(Number.parseInt(await slow, 10)).toBe(2);
    expect(Number.parseInt(await browser.text("/"), 10)).toBe(4);
  });
});
