/**
 * Store outages: the store goes away under a running server and comes back. Requests that need it
 * get a 503 with a clear log line, the rest keep working, the server never exits, and it recovers
 * by itself. Redis runs as a private redis-server of this test, never the machine's shared one.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Client, serveApp } from "../helpers/app.js";
import { REQUIRE_SERVICES } from "../helpers/services.js";
import { runToExit } from "../helpers/spawn.js";
import { tempDir } from "../helpers/tmp.js";

const APP =
  "export default { index(r) { const n = r.sessionMap.get('n', 0) + 1; r.sessionMap.set('n', n); return String(n); }, health() { return 'ok'; } };";

function redisServerPath(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function startRedis(bin: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    bin,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("redis-server did not start");
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

const redisBin = redisServerPath();
const describeRedis = redisBin || REQUIRE_SERVICES ? describe : describe.skip;

describeRedis(`redis going away${redisBin ? "" : " (skipped: redis-server is not installed)"}`, () => {
  it("answers 503 while Redis is down, keeps cookieless pages up, and recovers by itself", async () => {
    if (!redisBin) throw new Error("redis-server is required");
    const port = await freePort();
    let redis = await startRedis(redisBin, port);
    const app = await serveApp({
      "RootServer.cfg": `[session]\nstorageType = redis\nstorageUrl = redis://127.0.0.1:${port}/0\n`,
      "src/root.ts": APP,
    });
    try {
      const browser = new Client(app.url);
      expect(await browser.text("/")).toBe("1");
      await stop(redis);
      const down = await browser.get("/");
      expect(down.status).toBe(503);
      expect(await down.text()).toContain("session store unavailable");
      expect((await fetch(new URL("/health", app.url))).status).toBe(200);
      expect(app.logger.lines.some((l) => l.includes("[sessions] GET /"))).toBe(true);
      redis = await startRedis(redisBin, port);
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await fetch(new URL("/health", app.url))).status && (await browser.get("/")).status;
      }
      expect(status).toBe(200);
    } finally {
      await app.close();
      await stop(redis);
    }
  }, 30_000);

  it("answers 503 when Redis hangs (SIGSTOP) instead of waiting forever, and recovers on SIGCONT", async () => {
    if (!redisBin) throw new Error("redis-server is required");
    const port = await freePort();
    const redis = await startRedis(redisBin, port);
    const app = await serveApp({
      "RootServer.cfg": `[session]\nstorageType = redis\nstorageUrl = redis://127.0.0.1:${port}/0?commandTimeout=400\n`,
      "src/root.ts": APP,
    });
    try {
      const browser = new Client(app.url);
      expect(await browser.text("/")).toBe("1");
      redis.kill("SIGSTOP");
      const started = Date.now();
      const hung = await browser.get("/");
      expect(hung.status).toBe(503);
      // The watchdog pings every 200 ms and gives up after 400: well under the 30 s lock timeout.
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await fetch(new URL("/health", app.url))).status).toBe(200);
      redis.kill("SIGCONT");
      let answer = "";
      for (let i = 0; i < 100 && answer !== "2"; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const res = await browser.get("/");
        answer = res.status === 200 ? await res.text() : "";
      }
      // The update of the request that failed was never applied: the count goes on from 1.
      expect(answer).toBe("2");
    } finally {
      redis.kill("SIGCONT");
      await app.close();
      await stop(redis);
    }
  }, 30_000);

  it("says which URL failed when Redis is down at startup (exit 1)", async () => {
    const port = await freePort();
    const dir = tempDir({
      "RootServer.cfg": `[server]\nsocketPort = 0\n[session]\nstorageType = redis\nstorageUrl = redis://:hunter2@127.0.0.1:${port}/0\n`,
      "src/root.ts": APP,
    });
    const result = await runToExit(["serve", "--no-watch"], dir);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`cannot reach redis://:***@127.0.0.1:${port}/0`);
    expect(result.output).not.toContain("hunter2");
  });
});

/** The PostgreSQL server binaries (Debian keeps them out of PATH), newest version first. */
function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  const dir = versions.map((v) => path.join(root, v, "bin")).find((d) => existsSync(path.join(d, "initdb")));
  return dir;
}

/** A private PostgreSQL cluster (initdb refuses root: run as the postgres user then). */
class PrivateCluster {
  readonly dir = mkdtempSync(path.join(tmpdir(), "cherry-pg-"));
  readonly data = path.join(this.dir, "data");
  private child?: ChildProcess;

  constructor(
    private readonly bin: string,
    readonly port: number,
  ) {
    if (userInfo().uid === 0)
      chownSync(this.dir, Number(execFileSync("id", ["-u", "postgres"]).toString()), 0);
    this.run("initdb", ["-D", this.data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  }

  private command(tool: string, args: string[]): [string, string[]] {
    const file = path.join(this.bin, tool);
    return userInfo().uid === 0 ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
  }

  private run(tool: string, args: string[]): void {
    const [file, argv] = this.command(tool, args);
    execFileSync(file, argv, { stdio: "ignore" });
  }

  async start(): Promise<void> {
    const [file, argv] = this.command("postgres", [
      "-D",
      this.data,
      "-p",
      String(this.port),
      "-k",
      this.dir,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
    ]);
    this.child = spawn(file, argv, { stdio: "ignore" });
    for (let i = 0; i < 200; i++) {
      try {
        execFileSync(path.join(this.bin, "pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(this.port)]);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error("the private PostgreSQL did not start");
  }

  /** Fast shutdown (SIGINT to the postmaster): clients are disconnected, the data stays. */
  async stop(): Promise<void> {
    const pidFile = path.join(this.data, "postmaster.pid");
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    process.kill(pid, "SIGINT");
    for (let i = 0; i < 200 && existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    if (this.child && this.child.exitCode === null) await new Promise((r) => this.child?.once("exit", r));
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const pgBin = postgresBin();
const describePostgres = pgBin || REQUIRE_SERVICES ? describe : describe.skip;

describePostgres(
  `postgres going away${pgBin ? "" : " (skipped: the PostgreSQL server binaries are not installed)"}`,
  () => {
    it("answers 503 while PostgreSQL is down, keeps cookieless pages up, and recovers by itself", async () => {
      if (!pgBin) throw new Error("the PostgreSQL server binaries are required");
      const cluster = new PrivateCluster(pgBin, await freePort());
      await cluster.start();
      const app = await serveApp({
        "RootServer.cfg": `[session]\nstorageType = postgres\nstorageUrl = postgres://postgres@127.0.0.1:${cluster.port}/postgres\n`,
        "src/root.ts": APP,
      });
      try {
        const browser = new Client(app.url);
        expect(await browser.text("/")).toBe("1");
        expect(await browser.text("/")).toBe("2");
        await cluster.stop();
        const down = await browser.get("/");
        expect(down.status).toBe(503);
        expect(await down.text()).toContain("session store unavailable");
        expect((await fetch(new URL("/health", app.url))).status).toBe(200);
        expect(app.logger.lines.some((l) => l.includes("[sessions] GET /"))).toBe(true);
        await cluster.start();
        let answer = "";
        for (let i = 0; i < 100 && answer !== "3"; i++) {
          const res = await browser.get("/");
          answer = res.status === 200 ? await res.text() : "";
          if (answer !== "3") await new Promise((r) => setTimeout(r, 50));
        }
        // The data survived the restart and the failed request changed nothing.
        expect(answer).toBe("3");
      } finally {
        await app.close();
        await cluster.remove();
      }
    }, 60_000);
  },
);

describe("postgres down at startup", () => {
  it("says which URL failed, without its password (exit 1)", async () => {
    const port = await freePort();
    const dir = tempDir({
      "RootServer.cfg": `[server]\nsocketPort = 0\n[session]\nstorageType = postgres\nstorageUrl = postgres://app:hunter2@127.0.0.1:${port}/test\n`,
      "src/root.ts": APP,
    });
    const result = await runToExit(["serve", "--no-watch"], dir);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`cannot use postgres://app:***@127.0.0.1:${port}/test`);
    expect(result.output).not.toContain("hunter2");
  });
});

describe("file store failing its writes", () => {
  it("answers 503, reports no success for a failed save, and recovers when the folder returns", async () => {
    const app = await serveApp({
      "RootServer.cfg": "[session]\nstorageType = file\nstorageFileDir = sessions\n",
      "src/root.ts": APP,
    });
    try {
      const browser = new Client(app.url);
      expect(await browser.text("/")).toBe("1");
      const dir = path.join(app.dir, "sessions");
      renameSync(dir, `${dir}.away`);
      writeFileSync(dir, "not a folder: every write now fails with ENOTDIR");
      const res = await browser.get("/");
      expect(res.status).toBe(503);
      expect(app.logger.lines.some((l) => l.includes("[store:file]"))).toBe(true);
      rmSync(dir);
      renameSync(`${dir}.away`, dir);
      expect(await browser.text("/")).toBe("2");
    } finally {
      await app.close();
    }
  });
});
