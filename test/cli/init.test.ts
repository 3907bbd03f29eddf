import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Client, countOf } from "../helpers/app.js";
import { cherry, ROOT } from "../helpers/cli.js";
import {
  dropTestNamespace,
  postgres,
  REQUIRE_SERVICES,
  redis,
  testPostgresUrl,
  testRedisUrl,
} from "../helpers/services.js";
import { startCli } from "../helpers/spawn.js";
import { tempDir } from "../helpers/tmp.js";

const TSC = path.join(ROOT, "node_modules/.bin/tsc");

async function init(args: string[], cwd = tempDir()) {
  const result = await cherry(["init", ...args], { cwd });
  return { ...result, cwd };
}

/** Serves an initialised app on a free port and returns its URL and a stop function. */
async function serveInit(dir: string) {
  const cfg = path.join(dir, "RootServer.cfg");
  writeFileSync(cfg, readFileSync(cfg, "utf8").replace("socketPort = 8000", "socketPort = 0"));
  return startCli(["serve", "--no-watch", "-c", cfg], dir);
}

describe("cherry init", () => {
  it("scaffolds the counter by default, lists each file and the next command", async () => {
    const { exitCode, stdout, stderr, cwd } = await init(["my-app"]);
    expect(exitCode).toBe(0);
    for (const f of [
      "RootServer.cfg",
      "src/root.ts",
      "tsconfig.json",
      "package.json",
      ".gitignore",
      "README.md",
      "static/style.css",
    ]) {
      expect(stdout).toContain(path.join("my-app", f));
      expect(existsSync(path.join(cwd, "my-app", f))).toBe(true);
    }
    expect(stderr).toContain("serve -c my-app/RootServer.cfg");
    const cfg = readFileSync(path.join(cwd, "my-app/RootServer.cfg"), "utf8");
    expect(cfg).toMatch(/storageType = ram\ntimeout = 120\ncleanUpDelay = 60/);
  });

  it("refuses a non-empty folder with exit 1, accepts one holding only .git, and --force never deletes", async () => {
    const cwd = tempDir({ "full/mine.txt": "keep me" });
    mkdirSync(path.join(cwd, "repo/.git"), { recursive: true });
    expect((await init(["full"], cwd)).exitCode).toBe(1);
    expect((await init(["repo"], cwd)).exitCode).toBe(0);
    const forced = await init(["full", "--force"], cwd);
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(path.join(cwd, "full/mine.txt"), "utf8")).toBe("keep me");
  });

  it("rejects an unknown template or storage with exit 2, listing the valid ones", async () => {
    const t = await init(["x", "-t", "blog"]);
    expect(t.exitCode).toBe(2);
    expect(t.stderr).toContain("expected one of counter, custom-store, login");
    const s = await init(["x", "--storage", "mongo"]);
    expect(s.exitCode).toBe(2);
    expect(s.stderr).toContain("expected one of ram, file, cookie, sqlite, redis, postgres");
  });

  it("gives the cookie store a fresh random secret each time and keeps the file private", async () => {
    const a = await init(["a", "--storage", "cookie"]);
    const b = await init(["b", "--storage", "cookie"]);
    const secret = (dir: string) => /secret = (\S+)/.exec(readFileSync(dir, "utf8"))?.[1];
    const sa = secret(path.join(a.cwd, "a/RootServer.cfg"));
    expect(sa?.length).toBeGreaterThanOrEqual(32);
    expect(sa).not.toBe(secret(path.join(b.cwd, "b/RootServer.cfg")));
    expect(statSync(path.join(a.cwd, "a/RootServer.cfg")).mode & 0o077).toBe(0);
  });

  it.each(["counter", "login", "custom-store"])(
    "the %s template type-checks against cherry's types",
    async (template) => {
      const { cwd } = await init(["app", "-t", template]);
      const dir = path.join(cwd, "app");
      if (template === "custom-store") {
        // Stands in for `npm install` (no network in tests): the template's packages are cherry's own.
        execFileSync("ln", ["-s", path.join(ROOT, "node_modules"), path.join(dir, "node_modules")]);
      }
      execFileSync(TSC, ["-p", path.join(dir, "tsconfig.json")], { stdio: "pipe" });
    },
  );

  it("serves the login template: 401 before login, the user after, 401 after logout", async () => {
    const { cwd } = await init(["login", "-t", "login"]);
    const server = await serveInit(path.join(cwd, "login"));
    try {
      const browser = new Client(server.url);
      expect((await browser.get("/secret")).status).toBe(401);
      const form = { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" } };
      const bad = await browser.get("/login", { ...form, body: "name=ada&password=nope" });
      expect(bad.headers.get("location")).toBe("/?error=1");
      await browser.get("/login", { ...form, body: "name=ada&password=lovelace" });
      expect(await browser.text("/secret")).toContain("The secret of ada");
      await browser.get("/logout", { method: "POST" });
      expect((await browser.get("/secret")).status).toBe(401);
    } finally {
      await server.stop();
    }
  });

  it("serves the custom-store template after its packages are installed", async () => {
    const { cwd } = await init(["cs", "-t", "custom-store"]);
    const dir = path.join(cwd, "cs");
    execFileSync("ln", ["-s", path.join(ROOT, "node_modules"), path.join(dir, "node_modules")]);
    const server = await serveInit(dir);
    try {
      const browser = new Client(server.url);
      expect([
        countOf(await browser.text("/")),
        countOf(await browser.text("/")),
        countOf(await browser.text("/")),
      ]).toEqual([1, 2, 3]);
      expect(existsSync(path.join(dir, "sessions.db"))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

const redisUp = (await redis()).available || REQUIRE_SERVICES;
const postgresUp = (await postgres()).available || REQUIRE_SERVICES;

describe("cherry init --storage: every variant counts 1, 2, 3", () => {
  it.each(["ram", "file", "cookie", "sqlite", "redis", "postgres"])("%s", async (storage) => {
    if ((storage === "redis" && !redisUp) || (storage === "postgres" && !postgresUp)) {
      console.warn(`[test] init --storage ${storage}: service absent, not served`);
      return;
    }
    const { cwd } = await init(["app", "--storage", storage]);
    const dir = path.join(cwd, "app");
    const cfgFile = path.join(dir, "RootServer.cfg");
    let cfg = readFileSync(cfgFile, "utf8");
    expect(cfg).toContain(`storageType = ${storage}`);
    // Point the generated URL at the test services, in a namespace of the test's own.
    const tag = `t${process.pid}${storage}`;
    cfg = cfg
      .replace("redis://127.0.0.1:6379/0", testRedisUrl(tag))
      .replace("postgres://postgres@127.0.0.1:5432/postgres", testPostgresUrl(tag));
    writeFileSync(cfgFile, cfg);
    const check = await cherry(["config", "check", "-c", cfgFile]);
    expect(check.exitCode, check.stderr).toBe(0);
    const server = await serveInit(dir);
    try {
      const browser = new Client(server.url);
      const counts = [];
      for (let i = 0; i < 3; i++) counts.push(countOf(await browser.text("/")));
      expect(counts).toEqual([1, 2, 3]);
      if (storage === "file") expect(existsSync(path.join(dir, "sessions"))).toBe(true);
    } finally {
      await server.stop();
      await dropTestNamespace(tag, { redis: storage === "redis", postgres: storage === "postgres" });
    }
  });
});
