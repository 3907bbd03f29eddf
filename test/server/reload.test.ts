import { symlinkSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Client, COUNTER, countOf, edit, serveApp, type TestApp } from "../helpers/app.js";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("hot reload (watch mode)", () => {
  it("swaps in new code and keeps RAM sessions", async () => {
    app = await serveApp({ "RootServer.cfg": "[session]\nstorageType = ram\n" }, { watch: true });
    const browser = new Client(app.url);
    for (let i = 1; i <= 3; i++) expect(countOf(await browser.text("/"))).toBe(i);
    await edit(app, "src/root.ts", COUNTER.replace("Hello, you've", "Welcome back, you've"));
    const html = await browser.text("/");
    expect(html).toContain("Welcome back");
    expect(countOf(html)).toBe(4);
    expect(app.logger.lines.some((l) => /reloaded in \d+ ms \(src\/root.ts\)/.test(l))).toBe(true);
  });

  it("shows a build error with file, line and a code frame, then recovers when fixed", async () => {
    app = await serveApp({ "RootServer.cfg": "[session]\nstorageType = ram\n" }, { watch: true });
    const browser = new Client(app.url);
    expect(countOf(await browser.text("/"))).toBe(1);
    await edit(app, "src/root.ts", "export default class Root {\n  index() {\n    return 'x' +;\n  }\n}\n");
    const page = await browser.get("/", { headers: { accept: "text/html" } });
    expect(page.status).toBe(500);
    const html = await page.text();
    expect(html).toContain("src/root.ts:3:");
    expect(html).toContain("&gt;"); // the code frame marks the line
    const plain = await browser.get("/", { headers: { accept: "*/*" } });
    expect(await plain.text()).toMatch(/^build failed: src\/root.ts:3:\d+: /);
    expect(app.logger.lines.filter((l) => l.includes("build failed")).length).toBe(1);
    await edit(app, "src/root.ts", COUNTER);
    expect(countOf(await browser.text("/"))).toBe(2);
  });

  it("shows a throw at import time with its source line", async () => {
    app = await serveApp({ "RootServer.cfg": "[session]\nstorageType = ram\n" }, { watch: true });
    await edit(
      app,
      "src/root.ts",
      "const x: number = 1;\nthrow new Error('bad import ' + x);\nexport default {};\n",
    );
    const res = await fetch(app.url, { headers: { accept: "text/plain" } });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("src/root.ts:2:");
  });

  it("applies a config edit and rejects a bad one, keeping the previous config", async () => {
    app = await serveApp({ "RootServer.cfg": "[session]\nstorageType = ram\n" }, { watch: true });
    const browser = new Client(app.url);
    expect(countOf(await browser.text("/"))).toBe(1);
    const cfg = (extra: string) => `[server]\nsocketPort = 0\n[session]\nstorageType = ram\n${extra}`;
    await edit(app, "RootServer.cfg", cfg("cleanUpDelay = 5\n"));
    expect(app.server.config.session.cleanUpDelay).toBe(5);
    expect(countOf(await browser.text("/"))).toBe(2);
    await edit(app, "RootServer.cfg", cfg("cleanUpDelay = soon\n"));
    expect(app.server.config.session.cleanUpDelay).toBe(5);
    expect(
      app.logger.lines.some((l) => l.includes("RootServer.cfg:5: [session] cleanUpDelay: expected a number")),
    ).toBe(true);
    expect(countOf(await browser.text("/"))).toBe(3);
  });

  it("injects the live-reload script and tells open pages to reload", async () => {
    app = await serveApp({}, { watch: true });
    const html = await (await fetch(app.url)).text();
    expect(html).toContain("/__cherry/live");
    const controller = new AbortController();
    const events = await fetch(new URL("/__cherry/live", app.url), { signal: controller.signal });
    expect(events.headers.get("content-type")).toBe("text/event-stream");
    const reader = events.body?.getReader();
    await edit(app, "src/root.ts", COUNTER.replace("Hello", "Hi"));
    let seen = "";
    while (!seen.includes("event: reload")) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      seen += new TextDecoder().decode(chunk.value);
    }
    controller.abort();
    expect(seen).toContain("event: reload");
  });

  it("does not inject the script with --no-live-reload or outside watch mode", async () => {
    app = await serveApp({}, { watch: true, liveReload: false });
    expect(await (await fetch(app.url)).text()).not.toContain("/__cherry/live");
    await app.close();
    app = await serveApp({}, { watch: false });
    expect(await (await fetch(app.url)).text()).not.toContain("/__cherry/live");
    expect((await fetch(new URL("/__cherry/live", app.url))).status).toBe(404);
  });
});

describe("config edits that move the socket", () => {
  it("rebinds to a new port without a restart", async () => {
    const net = await import("node:net");
    const probe = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => probe.once("listening", r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    app = await serveApp(
      { "RootServer.cfg": "[session]\nstorageType = ram\n" },
      { watch: true, liveReload: false },
    );
    const before = app.url;
    await edit(app, "RootServer.cfg", `[server]\nsocketPort = ${port}\n[session]\nstorageType = ram\n`);
    expect(app.url).toBe(`http://127.0.0.1:${port}`);
    expect(app.url).not.toBe(before);
    expect((await fetch(app.url)).status).toBe(200);
    await expect(fetch(before)).rejects.toThrow();
  });
});

describe("saves that change nothing", () => {
  it("neither swap the app nor reload open pages when the bundle is the same", async () => {
    app = await serveApp(
      { "RootServer.cfg": "[session]\nstorageType = ram\n" },
      { watch: true, liveReload: false },
    );
    const browser = new Client(app.url);
    expect(countOf(await browser.text("/"))).toBe(1);
    const lines = app.logger.lines.length;
    await edit(app, "src/root.ts", COUNTER);
    expect(app.logger.lines.slice(lines).some((l) => l.includes("reloaded in"))).toBe(false);
    await edit(app, "src/root.ts", COUNTER.replace("Hello", "Hi"));
    expect(app.logger.lines.slice(lines).some((l) => l.includes("reloaded in"))).toBe(true);
    expect(countOf(await browser.text("/"))).toBe(2);
  });
});

describe("the watcher's own errors", () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it.each([
    ["ln -s . lnk (a link to its own folder)", (dir: string) => symlinkSync(".", path.join(dir, "lnk"))],
    [
      "a -> b, b -> a",
      (dir: string) => {
        symlinkSync("b", path.join(dir, "a"));
        symlinkSync("a", path.join(dir, "b"));
      },
    ],
  ])("%s in the app folder: logged as a warning, the server keeps serving", async (_, makeLoop) => {
    app = await serveApp({ "RootServer.cfg": "[session]\nstorageType = ram\n" }, { watch: true });
    makeLoop(app.dir);
    const warned = () => app?.logger.lines.some((l) => l.startsWith("warn: watching for changes:"));
    for (let i = 0; i < 80 && !warned(); i++) await new Promise((r) => setTimeout(r, 25));
    const client = new Client(app.url);
    expect(countOf(await client.text("/"))).toBe(1);
    expect(countOf(await client.text("/"))).toBe(2);
    // chokidar reports the loop (ELOOP from its stat): as one of the log's warnings, not a crash.
    expect(warned()).toBe(true);
    expect(app.logger.lines.find((l) => l.includes("ELOOP"))).toMatch(/^warn: watching for changes: ELOOP/);
  });
});
