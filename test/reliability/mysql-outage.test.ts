/**
 * The mysql store losing its server under a running cherry, as test/reliability/outage.test.ts does
 * for Redis and PostgreSQL: 503s naming the URL with its password masked, the rest of the site up,
 * and recovery without a restart. The server is a private MariaDB of this test (its own data folder
 * and port), never the machine's shared one.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { Client, serveApp } from "../helpers/app.js";
import { REQUIRE_SERVICES } from "../helpers/services.js";
import { runToExit } from "../helpers/spawn.js";
import { tempDir } from "../helpers/tmp.js";

const APP =
  "export default { index(r) { const n = r.sessionMap.get('n', 0) + 1; r.sessionMap.set('n', n); return String(n); }, health() { return 'ok'; } };";

function which(name: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || undefined;
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

/** A private MariaDB: its own data folder, port and socket; a user `app` with a password. */
class PrivateMariaDb {
  readonly dir = mkdtempSync(path.join(tmpdir(), "cherry-mariadb-"));
  private child?: ChildProcess;
  readonly url: string;

  constructor(
    private readonly server: string,
    install: string,
    readonly port: number,
  ) {
    const user = userInfo().uid === 0 ? ["--user=root"] : [];
    execFileSync(install, [
      "--no-defaults",
      `--datadir=${path.join(this.dir, "data")}`,
      ...user,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
      "--skip-name-resolve",
    ]);
    this.url = `mysql://app:hunter2@127.0.0.1:${port}/cherry`;
  }

  async start(): Promise<void> {
    const user = userInfo().uid === 0 ? ["--user=root"] : [];
    this.child = spawn(
      this.server,
      [
        "--no-defaults",
        `--datadir=${path.join(this.dir, "data")}`,
        ...user,
        `--port=${this.port}`,
        "--bind-address=127.0.0.1",
        `--socket=${path.join(this.dir, "sock")}`,
        `--pid-file=${path.join(this.dir, "pid")}`,
        "--skip-log-bin",
        "--innodb-buffer-pool-size=16M",
        "--innodb-flush-log-at-trx-commit=0",
      ],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 300; i++) {
      try {
        const root = await mysql.createConnection({ host: "127.0.0.1", port: this.port, user: "root" });
        await root.query("CREATE DATABASE IF NOT EXISTS cherry");
        await root.query("CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'hunter2'");
        await root.query("GRANT ALL ON cherry.* TO 'app'@'%'");
        await root.end();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error("the private MariaDB did not start");
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: connections stay open, nothing answers. */
  signal(name: "SIGSTOP" | "SIGCONT"): void {
    this.child?.kill(name);
  }

  /** SIGTERM: a clean shutdown that closes every client's connection; the data stays. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const serverBin = ["mariadbd", "mysqld", "/usr/sbin/mariadbd", "/usr/sbin/mysqld"].map(which).find(Boolean);
const installBin = ["mariadb-install-db", "mysql_install_db"].map(which).find(Boolean);
const present = Boolean(serverBin && installBin);
const describeMariaDb = present || REQUIRE_SERVICES ? describe : describe.skip;

describeMariaDb(
  `mysql going away${present ? "" : " (skipped: mariadbd and mariadb-install-db are not installed)"}`,
  () => {
    it("answers 503 naming the URL without its password, keeps other pages up, and recovers by itself", async () => {
      if (!serverBin || !installBin) throw new Error("mariadbd and mariadb-install-db are required");
      const db = new PrivateMariaDb(serverBin, installBin, await freePort());
      await db.start();
      const app = await serveApp({
        "RootServer.cfg": `[session]\nstorageType = mysql\nstorageUrl = ${db.url}\n`,
        "src/root.ts": APP,
      });
      try {
        const browser = new Client(app.url);
        expect(await browser.text("/")).toBe("1");
        expect(await browser.text("/")).toBe("2");
        await db.stop();
        const down = await browser.get("/");
        expect(down.status).toBe(503);
        expect(await down.text()).toContain("session store unavailable");
        expect((await fetch(new URL("/health", app.url))).status).toBe(200);
        const log = app.logger.lines.join("\n");
        expect(log).toContain(`[sessions] GET /: [store:mysql] mysql://app:***@127.0.0.1:${db.port}/cherry:`);
        expect(log).not.toContain("hunter2");
        await db.start();
        let answer = "";
        for (let i = 0; i < 100 && answer !== "3"; i++) {
          const res = await browser.get("/");
          answer = res.status === 200 ? await res.text() : "";
          if (answer !== "3") await new Promise((r) => setTimeout(r, 50));
        }
        // The rows survived the restart and the request that failed changed nothing.
        expect(answer).toBe("3");
      } finally {
        await app.close();
        await db.remove();
      }
    }, 90_000);
  },
);

describeMariaDb(
  `mysql hanging${present ? "" : " (skipped: mariadbd and mariadb-install-db are not installed)"}`,
  () => {
    it("answers 503 when the server hangs (SIGSTOP) instead of waiting forever, and recovers on SIGCONT", async () => {
      if (!serverBin || !installBin) throw new Error("mariadbd and mariadb-install-db are required");
      const db = new PrivateMariaDb(serverBin, installBin, await freePort());
      await db.start();
      const app = await serveApp({
        "RootServer.cfg": `[session]\nstorageType = mysql\nstorageUrl = ${db.url}?queryTimeout=400\n`,
        "src/root.ts": APP,
      });
      try {
        const browser = new Client(app.url);
        expect(await browser.text("/")).toBe("1");
        db.signal("SIGSTOP");
        const started = Date.now();
        const hung = await browser.get("/");
        expect(hung.status).toBe(503);
        // queryTimeout (400 ms), or the 3 s connect timeout of a fresh connection: far below the lock's 30 s.
        expect(Date.now() - started).toBeLessThan(10_000);
        expect((await fetch(new URL("/health", app.url))).status).toBe(200);
        db.signal("SIGCONT");
        let answer = "";
        for (let i = 0; i < 100 && answer !== "2"; i++) {
          const res = await browser.get("/");
          answer = res.status === 200 ? await res.text() : "";
          if (answer !== "2") await new Promise((r) => setTimeout(r, 50));
        }
        expect(answer).toBe("2");
      } finally {
        db.signal("SIGCONT");
        await app.close();
        await db.remove();
      }
    }, 90_000);
  },
);

describe("mysql down at startup", () => {
  it("says which URL failed, without its password (exit 1)", async () => {
    const port = await freePort();
    const dir = tempDir({
      "RootServer.cfg": `[server]\nsocketPort = 0\n[session]\nstorageType = mysql\nstorageUrl = mysql://app:hunter2@127.0.0.1:${port}/test\n`,
      "src/root.ts": APP,
    });
    const result = await runToExit(["serve", "--no-watch"], dir);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`cannot use mysql://app:***@127.0.0.1:${port}/test`);
    expect(result.output).not.toContain("hunter2");
  });
});
