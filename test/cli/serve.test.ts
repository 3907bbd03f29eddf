import { execFileSync } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COUNTER, countOf } from "../helpers/app.js";
import { runToExit, startCli } from "../helpers/spawn.js";
import { tempDir } from "../helpers/tmp.js";

const SLOW = `export default class Root {
  index() { return "ok"; }
  async slow() { await new Promise((r) => setTimeout(r, 400)); return "finished"; }
  counter(request) { const n = request.sessionMap.get("n", 0) + 1; request.sessionMap.set("n", n); return String(n); }
}`;

function app(cfg = "", root = COUNTER): string {
  return tempDir({ "RootServer.cfg": `[server]\nsocketPort = 0\n${cfg}`, "src/root.ts": root });
}

/** The body of a request made with node:http or node:https (fetch cannot use a Unix socket). */
function bodyOf(request: (done: (res: http.IncomingMessage) => void) => http.ClientRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    request((res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        data += chunk;
      });
      res.on("end", () => resolve(data));
    }).on("error", reject);
  });
}

describe("cherry serve", () => {
  it("prints the real port and serves the counter; SIGTERM exits 143", async () => {
    const server = await startCli(["serve", "--no-watch"], app("[session]\nstorageType = ram\n"));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
    const res = await fetch(server.url);
    expect(countOf(await res.text())).toBe(1);
    expect(await server.stop("SIGTERM")).toBe(143);
  });

  it("lets an in-flight request finish on SIGINT and exits 130", async () => {
    const server = await startCli(["serve", "--no-watch"], app("", SLOW));
    const pending = fetch(`${server.url}/slow`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 100));
    const code = server.stop("SIGINT");
    expect(await pending).toBe("finished");
    expect(await code).toBe(130);
  });

  it("names a port in use in one line and exits 1", async () => {
    const blocker = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await runToExit(["serve", "--port", String(port)], app());
      expect(result.code).toBe(1);
      expect(result.output).toContain(`cherry: port ${port} is already in use`);
      expect(result.output).toContain("--port");
    } finally {
      blocker.close();
    }
  });

  it("refuses to start in production when the app does not build (exit 1), serves the error in watch mode", async () => {
    const dir = app("", "export default class {\n  index() { return 1 +; }\n}\n");
    const prod = await runToExit(["serve", "--no-watch"], dir);
    expect(prod.code).toBe(1);
    expect(prod.output).toContain("src/root.ts:2:");
    const dev = await startCli(["serve"], dir);
    const res = await fetch(dev.url, { headers: { accept: "text/html" } });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("src/root.ts:2:");
    await dev.stop();
  });

  it("exits 2 on a bad config, and on --watch with several workers", async () => {
    const bad = await runToExit(["serve"], tempDir({ "RootServer.cfg": "[server]\nsocketPort = x\n" }));
    expect(bad.code).toBe(2);
    expect(bad.output).toContain("RootServer.cfg:2: [server] socketPort: expected an integer");
    const usage = await runToExit(
      ["serve", "--workers", "2", "--watch"],
      app("[session]\nstorageType = file\nstorageFileDir = s\n"),
    );
    expect(usage.code).toBe(2);
    const ram = await runToExit(["serve", "--workers", "2"], app("[session]\nstorageType = ram\n"));
    expect(ram.code).toBe(2);
    expect(ram.output).toContain(
      "flag --workers: [server] processPool: RAM sessions do not work across processes",
    );
  });

  it("runs several workers sharing the port and stops them all", async () => {
    const dir = app("[session]\nstorageType = file\nstorageFileDir = sessions\n", SLOW);
    const server = await startCli(["serve", "--workers", "2"], dir);
    expect(server.output()).toContain("(2 workers)");
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => fetch(server.url).then((r) => r.text())),
    );
    expect(answers.every((a) => a === "ok")).toBe(true);
    expect(await server.stop("SIGTERM")).toBe(143);
  });

  it("writes access lines to logFile, and none to the screen with logToScreen = 0", async () => {
    const dir = app("logToScreen = 0\nlogFile = access.log\n", SLOW);
    const server = await startCli(["serve", "--no-watch"], dir);
    await fetch(`${server.url}/`).then((r) => r.text());
    await server.stop();
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(path.join(dir, "access.log"), "utf8")).toMatch(/GET \/ 200 [\d.]+ms/);
    expect(server.output()).not.toMatch(/GET \/ 200/);
  });

  it("serves on a Unix socket", async () => {
    const dir = tempDir({ "src/root.ts": SLOW });
    const socket = path.join(dir, "cherry.sock");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path.join(dir, "RootServer.cfg"), `[server]\nsocketFile = ${socket}\n`);
    const server = await startCli(["serve", "--no-watch"], dir);
    expect(server.url).toBe(`http+unix://${socket}`);
    const body = await bodyOf((done) => http.get({ socketPath: socket, path: "/" }, done));
    expect(body).toBe("ok");
    await server.stop();
  });

  it("serves HTTPS when both TLS files are set", async () => {
    const dir = tempDir({ "src/root.ts": SLOW });
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          "key.pem",
          "-out",
          "cert.pem",
          "-days",
          "1",
          "-subj",
          "/CN=localhost",
        ],
        { cwd: dir, stdio: "ignore" },
      );
    } catch {
      return expect.fail("openssl is needed to make a test certificate");
    }
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      path.join(dir, "RootServer.cfg"),
      "[server]\nsocketPort = 0\nsslKeyFile = key.pem\nsslCertificateFile = cert.pem\n",
    );
    const server = await startCli(["serve", "--no-watch"], dir, { NODE_TLS_REJECT_UNAUTHORIZED: "0" });
    expect(server.url).toMatch(/^https:\/\//);
    const https = await import("node:https");
    const body = await bodyOf((done) => https.get(`${server.url}/`, { rejectUnauthorized: false }, done));
    expect(body).toBe("ok");
    await server.stop();
  });
});
