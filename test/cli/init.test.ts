import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Client, countOf } from "../helpers/app.js";
import { cherry, ROOT } from "../helpers/cli.js";
import {
  dropTestNamespace,
  mysql,
  postgres,
  REQUIRE_SERVICES,
  redis,
  testMysqlUrl,
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
  it("scaffolds the counter by default, lists each file as created and the next commands", async () => {
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
      "vendor/cherry-0.1.0.tgz",
    ]) {
      expect(stdout).toMatch(new RegExp(`^  created +${path.join("my-app", f).replace(/\./g, "\\.")}$`, "m"));
      expect(existsSync(path.join(cwd, "my-app", f))).toBe(true);
    }
    expect(stderr).toContain("next: cd my-app && npm install && npm run dev");
    const cfg = readFileSync(path.join(cwd, "my-app/RootServer.cfg"), "utf8");
    expect(cfg).toMatch(/storageType = ram\ntimeout = 120\ncleanUpDelay = 60/);
  });

  it("refuses a non-empty folder with exit 1, accepts one holding only .git, and --force never deletes", async () => {
    const cwd = tempDir({ "full/mine.txt": "keep me" });
    mkdirSync(path.join(cwd, "repo/.git"), { recursive: true });
    const refused = await init(["full"], cwd);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("--overwrite replaces them");
    expect((await init(["repo"], cwd)).exitCode).toBe(0);
    const forced = await init(["full", "--force"], cwd);
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(path.join(cwd, "full/mine.txt"), "utf8")).toBe("keep me");
  });

  it("--force over an app keeps edited files and says so; --overwrite replaces them and says so", async () => {
    const { cwd } = await init(["app", "-t", "login"]);
    const edited = {
      "src/root.ts": "export default { index: () => 'mine' };\n",
      "RootServer.cfg": "[session]\nstorageType = ram\n",
      "static/style.css": "body { color: red }\n",
    };
    for (const [f, text] of Object.entries(edited)) writeFileSync(path.join(cwd, "app", f), text);
    const forced = await init(["app", "-t", "login", "--force"], cwd);
    expect(forced.exitCode).toBe(0);
    for (const [f, text] of Object.entries(edited)) {
      expect(forced.stdout).toMatch(new RegExp(`^  kept +app/${f.replace(/\./g, "\\.")}$`, "m"));
      expect(readFileSync(path.join(cwd, "app", f), "utf8")).toBe(text);
    }
    expect(forced.stdout).toMatch(/^ {2}unchanged +app\/package\.json$/m);
    expect(forced.stdout).not.toMatch(/created/);
    expect(forced.stderr).toContain(
      "kept 3 file(s) that differ from the template; --overwrite replaces them",
    );
    const over = await init(["app", "-t", "login", "--overwrite"], cwd);
    expect(over.exitCode).toBe(0);
    for (const f of Object.keys(edited)) {
      expect(over.stdout).toMatch(new RegExp(`^  overwritten +app/${f.replace(/\./g, "\\.")}$`, "m"));
      expect(readFileSync(path.join(cwd, "app", f), "utf8")).not.toBe(edited[f as keyof typeof edited]);
    }
    expect(over.stdout).toMatch(/^ {2}unchanged +app\/README\.md$/m);
  });

  it("names the package.json after the folder in a form npm accepts", async () => {
    const { cwd, stderr } = await init(["My Shop.v2"]);
    expect(stderr).toContain("next: cd 'My Shop.v2' && npm install && npm run dev");
    const pkg = JSON.parse(readFileSync(path.join(cwd, "My Shop.v2/package.json"), "utf8"));
    expect(pkg.name).toBe("my-shop.v2");
    const dotted = await init([".hidden_app"]);
    expect(JSON.parse(readFileSync(path.join(dotted.cwd, ".hidden_app/package.json"), "utf8")).name).toBe(
      "hidden_app",
    );
  });

  it("rejects an unknown template or storage with exit 2, suggesting the closest and listing all", async () => {
    const t = await init(["x", "-t", "blog"]);
    expect(t.exitCode).toBe(2);
    expect(t.stderr).toContain("expected one of counter, custom-store, login");
    const typos = [
      ["-t", "loginn", "login"],
      ["-t", "countr", "counter"],
      ["-t", "custom_store", "custom-store"],
      ["--storage", "sqllite", "sqlite"],
      ["--storage", "postgress", "postgres"],
    ];
    const results = await Promise.all(typos.map(([flag, typo]) => init(["x", flag, typo])));
    for (const [i, [, typo, hit]] of typos.entries()) {
      expect(results[i].exitCode).toBe(2);
      expect(results[i].stderr).toContain(`"${typo}"; did you mean "${hit}"?`);
    }
    const s = await init(["x", "--storage", "mongo"]);
    expect(s.exitCode).toBe(2);
    expect(s.stderr).not.toContain("did you mean");
    expect(s.stderr).toContain("expected one of ram, file, cookie, sqlite, redis, postgres");
  });

  it.each(["counter", "login"])(
    "%s --storage cookie: a fresh secret in the git-ignored .env (0600), none in committed files",
    async (template) => {
      const a = await init(["a", "-t", template, "--storage", "cookie"]);
      const b = await init(["b", "-t", template, "--storage", "cookie"]);
      const dir = path.join(a.cwd, "a");
      const secret = (d: string) =>
        /^CHERRY_SESSION_SECRET=(\S+)$/m.exec(readFileSync(path.join(d, ".env"), "utf8"))?.[1] ?? "";
      const sa = secret(dir);
      expect(sa.length).toBeGreaterThanOrEqual(32);
      expect(sa).not.toBe(secret(path.join(b.cwd, "b")));
      expect(statSync(path.join(dir, ".env")).mode & 0o777).toBe(0o600);
      expect(a.stderr).toContain("the session secret is in a/.env (mode 0600, git-ignored)");
      expect(a.stdout).toMatch(/^ {2}created +a\/\.env$/m);
      // What `git add -A` would commit: every file git does not ignore.
      execFileSync("git", ["init", "-q"], { cwd: dir });
      const committed = execFileSync("git", ["ls-files", "--others", "--exclude-standard"], {
        cwd: dir,
        encoding: "utf8",
      })
        .trim()
        .split("\n");
      expect(committed).toContain("RootServer.cfg");
      expect(committed).not.toContain(".env");
      for (const f of committed) expect(readFileSync(path.join(dir, f)).includes(sa)).toBe(false);
      expect(readFileSync(path.join(dir, "RootServer.cfg"), "utf8")).not.toMatch(/^\s*secret\s*=/m);
      // cherry reads it from .env, and the real environment wins over .env.
      const show = await cherry(["config", "show", "--json", "-c", path.join(dir, "RootServer.cfg")]);
      expect(show.exitCode, show.stderr).toBe(0);
      expect(show.stdout).toContain("env CHERRY_SESSION_SECRET");
      expect(show.stdout).not.toContain(sa);
      const bad = await cherry(["config", "check", "-c", path.join(dir, "RootServer.cfg")], {
        env: { CHERRY_SESSION_SECRET: "short" },
      });
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toContain("env CHERRY_SESSION_SECRET");
    },
  );

  it.each(["counter", "login", "custom-store"])(
    "the %s template holds no path of this machine and type-checks against the cherry it installs",
    async (template) => {
      const { cwd } = await init(["app", "-t", template]);
      const dir = path.join(cwd, "app");
      for (const f of execFileSync("find", [dir, "-type", "f", "-not", "-path", "*/vendor/*"], {
        encoding: "utf8",
      })
        .trim()
        .split("\n")) {
        const text = readFileSync(f, "utf8");
        expect(text, f).not.toContain(ROOT);
        expect(text, f).not.toContain(cwd);
      }
      // Stands in for `npm install` (the real one runs in scaffold-install.test.ts): cherry itself,
      // the template's packages and the types cherry depends on.
      mkdirSync(path.join(dir, "node_modules"));
      symlinkSync(ROOT, path.join(dir, "node_modules/cherry"));
      for (const name of ["@types", "better-sqlite3"])
        symlinkSync(path.join(ROOT, "node_modules", name), path.join(dir, "node_modules", name));
      execFileSync(TSC, ["-p", path.join(dir, "tsconfig.json")], { stdio: "pipe" });
    },
    60_000, // a type-check of its own: seconds on an idle machine, more on a loaded one
  );

  it("serves the login template: 401 before login, the user after, 401 after logout", async () => {
    const { cwd } = await init(["login", "-t", "login"]);
    const server = await serveInit(path.join(cwd, "login"));
    try {
      const browser = new Client(server.url);
      const loginPage = await browser.text("/");
      expect(loginPage).toMatch(/Demo account: <code>ada<\/code> \/ <code>lovelace<\/code>/);
      expect(loginPage).toContain('<link rel="stylesheet" href="/static/style.css">');
      const css = await browser.get("/static/style.css");
      expect(css.status).toBe(200);
      expect(css.headers.get("content-type")).toContain("text/css");
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
const mysqlUp = (await mysql()).available || REQUIRE_SERVICES;

const CHERRY_PACKAGE = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const DRIVERS: Record<string, string> = {
  sqlite: "better-sqlite3",
  redis: "redis",
  postgres: "pg",
  mysql: "mysql2",
};

describe("cherry init --storage: every variant counts 1, 2, 3", () => {
  it.for(["ram", "file", "cookie", "sqlite", "redis", "postgres", "mysql"])("%s", async (storage, ctx) => {
    const up = { redis: redisUp, postgres: postgresUp, mysql: mysqlUp }[storage] ?? true;
    if (!up) ctx.skip(`${storage} is not reachable at 127.0.0.1`);
    const { cwd } = await init(["app", "--storage", storage]);
    const dir = path.join(cwd, "app");
    const cfgFile = path.join(dir, "RootServer.cfg");
    let cfg = readFileSync(cfgFile, "utf8");
    expect(cfg).toContain(`storageType = ${storage}`);
    // The store's driver is the app's dependency, at the range cherry declares (an optional peer).
    const driver = DRIVERS[storage];
    const deps = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).dependencies;
    expect(Object.keys(deps).sort()).toEqual(["cherry", ...(driver ? [driver] : [])].sort());
    if (driver) expect(deps[driver]).toBe(CHERRY_PACKAGE.peerDependencies[driver]);
    // Point the generated URL at the test services, in a namespace of the test's own.
    const tag = `t${process.pid}${storage}`;
    cfg = cfg
      .replace("redis://127.0.0.1:6379/0", testRedisUrl(tag))
      .replace("postgres://postgres@127.0.0.1:5432/postgres", testPostgresUrl(tag))
      .replace("mysql://root@127.0.0.1:3306/test", testMysqlUrl(tag));
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
      await dropTestNamespace(tag, {
        redis: storage === "redis",
        postgres: storage === "postgres",
        mysql: storage === "mysql",
      });
    }
  });
});
