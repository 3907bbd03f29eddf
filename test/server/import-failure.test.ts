import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Client, COUNTER, countOf, edit, serveApp, type TestApp } from "../helpers/app.js";
import { cherry } from "../helpers/cli.js";
import { runToExit } from "../helpers/spawn.js";
import { tempDir } from "../helpers/tmp.js";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const CUSTOM_CFG =
  "[server]\nsocketPort = 0\n[session]\nstorageType = custom\nstorageModule = src/store.ts\n";
const STORE = `import Database from "better-sqlite3";
export const db = Database;
export function saveSessionData() {}
export function loadSessionData() { return null; }
export function cleanUpOldSessions() {}
`;
const withImport = (specifier: string) =>
  `import * as dep from "${specifier}";\nexport const used = dep;\n${COUNTER}`;

describe("a package the app imports cannot be loaded", () => {
  it("init -t custom-store, serve without npm install: names better-sqlite3, the line and `npm install`", async () => {
    const cwd = tempDir();
    expect((await cherry(["init", "cs", "-t", "custom-store"], { cwd })).exitCode).toBe(0);
    const dir = path.join(cwd, "cs");
    const cfg = path.join(dir, "RootServer.cfg");
    // From inside the app, the README's way; then from its parent, as `init`'s "next:" line allows.
    const inside = await runToExit(["serve", "--no-watch", "--port", "0"], dir);
    expect(inside.code).toBe(1);
    expect(inside.output).toContain(
      'src/session-store.ts:6:22: package "better-sqlite3" is in package.json but not installed; run `npm install`',
    );
    expect(inside.output).toContain('> 6 | import Database from "better-sqlite3";');
    expect(inside.output).not.toContain("does not export");
    const outside = await runToExit(["serve", "--no-watch", "--port", "0", "-c", cfg], cwd);
    expect(outside.code).toBe(1);
    expect(outside.output).toContain("run `cd cs && npm install`");
    // The sessions command loads the same module: same cause, same fix.
    const ls = await cherry(["sessions", "ls", "-c", cfg], { cwd });
    expect(ls.exitCode).toBe(1);
    expect(ls.stderr).toContain(
      'cannot load src/session-store.ts:6:22: package "better-sqlite3" is in package.json but not installed; run `cd cs && npm install`',
    );
    expect(ls.stderr).not.toContain("does not export");
  });

  it("watch mode keeps serving the cause of a storage module's failure, then recovers when it loads", async () => {
    app = await serveApp(
      { "RootServer.cfg": CUSTOM_CFG, "src/store.ts": STORE.replace("better-sqlite3", "not-installed-db") },
      { watch: true },
    );
    const plain = await fetch(new URL("/", app.url));
    expect(plain.status).toBe(500);
    const text = await plain.text();
    expect(text).toContain('src/store.ts:1:22: package "not-installed-db" is not installed; run `');
    expect(text).toContain("npm install not-installed-db`");
    expect(app.logger.lines.join("\n")).not.toContain("does not export");
    await edit(
      app,
      "src/store.ts",
      STORE.replace('import Database from "better-sqlite3";', "const Database = 1;"),
    );
    expect(countOf(await new Client(app.url).text("/"))).toBe(1);
  });

  it.each([
    ["a package the app does not list", "left-pad", "left-pad", "npm install left-pad"],
    ["a scoped package's subpath", "@acme/strings/case", "@acme/strings", "npm install @acme/strings"],
  ])("the app module imports %s", async (_what, specifier, name, command) => {
    app = await serveApp(
      { "RootServer.cfg": "[session]\nstorageType = ram\n", "src/root.ts": withImport(specifier) },
      { watch: true },
    );
    const res = await fetch(new URL("/", app.url), { headers: { accept: "text/html" } });
    expect(res.status).toBe(500);
    const html = await res.text();
    expect(html).toContain(`package &quot;${name}&quot; is not installed`);
    expect(html).toContain(command);
    expect(html).toContain("src/root.ts:1:");
    expect(app.logger.lines.join("\n")).not.toContain(".cache/cherry/app-");
  });

  it("lists a package that package.json names but node_modules lacks as `npm install`", async () => {
    const dir = tempDir({
      "RootServer.cfg": "[server]\nsocketPort = 0\n",
      "package.json": JSON.stringify({ dependencies: { "left-pad": "^1.3.0" } }),
      "src/root.ts": withImport("left-pad"),
    });
    const result = await runToExit(["serve", "--no-watch"], dir);
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      'package "left-pad" is in package.json but not installed; run `npm install`',
    );
  });

  it("a native addon that does not load: names the package and `npm rebuild`", async () => {
    const dir = tempDir({
      "RootServer.cfg": "[server]\nsocketPort = 0\n",
      "node_modules/fake-native/package.json": JSON.stringify({ name: "fake-native", main: "index.js" }),
      "node_modules/fake-native/index.js": 'module.exports = require("./build/Release/addon.node");\n',
      // Not a shared object: dlopen fails for real, as it does for an addon built for another Node.
      "node_modules/fake-native/build/Release/addon.node": "not an ELF file",
      "src/root.ts": withImport("fake-native"),
    });
    mkdirSync(path.join(dir, "node_modules/.cache"), { recursive: true });
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ dependencies: { "fake-native": "1" } }));
    const result = await runToExit(["serve", "--no-watch"], dir);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      /src\/root\.ts:1:\d+: package "fake-native" has a native addon that does not load under Node v\d+/,
    );
    expect(result.output).toContain("run `npm rebuild fake-native`");
  });
});
