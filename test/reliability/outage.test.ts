/**
 * Store outages: the store goes away under a running server and comes back. Requests that need it
 * get a 503 with a clear log line, the rest keep working, the server never exits, and it recovers
 * by itself. Redis runs as a private redis-server of this test, never the machine's shared one.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
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
