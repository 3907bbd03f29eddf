/**
 * A scaffolded app runs with the commands its README gives (`npm install`, `npm run dev`,
 * `npm start`, `npm run typecheck`), with a real npm against the registry, whether cherry ran from
 * this checkout or was installed from the tarball `npm pack` makes of it.
 *
 * `npm install --ignore-scripts`: cherry's better-sqlite3 dependency has no prebuilt binary this
 * machine can download, so its install script compiles it (over a minute of CPU); the counter keeps
 * its sessions in RAM and esbuild runs without its optional postinstall, so nothing here needs them.
 * `--prefer-offline` reuses npm's cache, so a second run is mostly copying.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it, type TestContext } from "vitest";
import { Client, countOf } from "../helpers/app.js";
import { BIN, ROOT } from "../helpers/cli.js";
import { REQUIRE_SERVICES } from "../helpers/services.js";
import { tempDir } from "../helpers/tmp.js";

/** The environment of a user's shell: none of `npm test`'s or vitest's own variables. */
const USER_ENV = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^(npm_package_|npm_lifecycle_|VITEST|INIT_CWD$|NODE_ENV$|NO_COLOR$|FORCE_COLOR$)/.test(k),
  ),
) as Record<string, string>;

/** cherry's optional peer dependencies: the stores' database drivers (package.json). */
const DRIVERS = ["better-sqlite3", "pg", "redis", "mysql2"];

const NETWORK = /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH)|network/i;

/** Runs npm (or a program) in `cwd`; skips the test with the reason when the registry is unreachable. */
function run(ctx: TestContext, command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, env: USER_ENV, encoding: "utf8", timeout: 240_000 });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) {
    if (command === "npm" && NETWORK.test(output) && !REQUIRE_SERVICES)
      ctx.skip(`the npm registry is unreachable (${NETWORK.exec(output)?.[0]})`);
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd} (exit ${result.status}):\n${output}`);
  }
  return output;
}

const install = (ctx: TestContext, cwd: string, ...extra: string[]) =>
  run(
    ctx,
    "npm",
    ["install", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", ...extra],
    cwd,
  );

/** `npm run SCRIPT` in its own process group, until its server says where it listens. */
async function npmServe(script: string, cwd: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn("npm", ["run", script], {
    cwd,
    env: { ...USER_ENV, CHERRY_SERVER_SOCKETPORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // npm, its shell and cherry: the whole group started here, and nothing else.
  const stop = async () => {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGTERM");
    await exited;
  };
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm run ${script}: no "listening on" line:\n${out}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      out += chunk;
      const match = /listening on (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then(() => reject(new Error(`npm run ${script} exited before listening:\n${out}`)));
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  return { url, stop };
}

/** The README's commands in a scaffolded app: install, then each script, each serving the counter. */
async function runsOnItsOwn(ctx: TestContext, app: string): Promise<void> {
  // Removed here, within the test's time: the helper's afterAll has a 20 s budget, and a
  // node_modules under load can take longer than that to delete.
  ctx.onTestFinished(() => rm(path.join(app, "node_modules"), { recursive: true, force: true }));
  const pkg = JSON.parse(readFileSync(path.join(app, "package.json"), "utf8"));
  expect(pkg.dependencies.cherry).toMatch(/^file:vendor\/cherry-[\d.]+\.tgz$/);
  install(ctx, app);
  expect(existsSync(path.join(app, "node_modules/.bin/cherry"))).toBe(true);
  // A RAM app gets no database driver: they are cherry's optional peer dependencies.
  for (const driver of DRIVERS)
    expect(existsSync(path.join(app, "node_modules", driver)), driver).toBe(false);
  // Configured anyway, a store whose driver is missing names the package and the command.
  const missing = spawnSync(process.execPath, ["node_modules/.bin/cherry", "serve", "--no-watch"], {
    cwd: app,
    env: { ...USER_ENV, CHERRY_SESSION_STORAGETYPE: "sqlite", CHERRY_SERVER_SOCKETPORT: "0" },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(missing.status, missing.stderr).toBe(1);
  expect(missing.stderr).toContain(
    "the sqlite store needs the better-sqlite3 package, which is not installed",
  );
  expect(missing.stderr).toContain("npm install better-sqlite3");
  // The lockfile records the vendored tarball, never a path of this machine.
  expect(readFileSync(path.join(app, "package-lock.json"), "utf8")).not.toContain(ROOT);
  run(ctx, "npm", ["run", "typecheck"], app);
  for (const script of ["dev", "start"]) {
    const server = await npmServe(script, app);
    try {
      const browser = new Client(server.url);
      expect([countOf(await browser.text("/")), countOf(await browser.text("/"))]).toEqual([1, 2]);
    } finally {
      await server.stop();
    }
  }
}

describe("a scaffolded app runs with its own README's commands", () => {
  it("when cherry runs from this checkout", { timeout: 300_000 }, async (ctx) => {
    const cwd = tempDir();
    execFileSync(process.execPath, [BIN, "init", "app"], { cwd, env: USER_ENV, stdio: "pipe" });
    await runsOnItsOwn(ctx, path.join(cwd, "app"));
  });

  it("when cherry is installed from the tarball npm pack makes", { timeout: 300_000 }, async (ctx) => {
    const cwd = tempDir({ "tools/package.json": JSON.stringify({ name: "tools", private: true }) });
    run(ctx, "npm", ["pack", ROOT, "--pack-destination", cwd, "--silent"], cwd);
    const tarball = readdirSync(cwd).find((f) => f.endsWith(".tgz"));
    expect(tarball).toMatch(/^cherry-[\d.]+\.tgz$/);
    const tools = path.join(cwd, "tools");
    ctx.onTestFinished(() => rm(path.join(tools, "node_modules"), { recursive: true, force: true }));
    install(ctx, tools, path.join(cwd, tarball ?? ""));
    // The installed cherry scaffolds, run the way a user runs a local package's command.
    run(ctx, "npm", ["exec", "--no", "--", "cherry", "init", "app"], tools);
    const app = path.join(tools, "app");
    expect(readFileSync(path.join(app, "tsconfig.json"), "utf8")).not.toContain(tools);
    await runsOnItsOwn(ctx, app);
  });
});
