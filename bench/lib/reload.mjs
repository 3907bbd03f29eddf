// Reload latency: from the file write to the new code answering, for cherry's watch mode and the
// restart-the-process tools (nodemon, tsx watch, node --watch), with a light load running meanwhile
// to count refused requests, and a RAM session checked before and after.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "./servers.mjs";
import { median } from "./throughput.mjs";

const BIN = path.join(ROOT, "node_modules/.bin");

const CHERRY_APP = (marker) => `export default class Root {
  index(request) { const n = request.sessionMap.get("n", 0) + 1; request.sessionMap.set("n", n); return "${marker} " + n; }
}
`;
const PLAIN_APP = (marker) => `import http from "node:http";
const sessions = globalThis.sessions ?? new Map();
http.createServer((req, res) => {
  const id = /sid=(\\w+)/.exec(req.headers.cookie ?? "")?.[1];
  const sid = id && sessions.has(id) ? id : Math.random().toString(36).slice(2);
  const n = (sessions.get(sid) ?? 0) + 1;
  sessions.set(sid, n);
  res.writeHead(200, { "set-cookie": "sid=" + sid });
  res.end("${marker} " + n);
}).listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening on http://127.0.0.1:" + process.env.PORT));
`;

async function freePort() {
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

const TOOLS = {
  "cherry serve (watch)": {
    file: "src/root.ts",
    app: CHERRY_APP,
    cmd: (dir) => [
      process.execPath,
      [path.join(ROOT, "bin/cherry.js"), "serve", "-c", path.join(dir, "RootServer.cfg")],
    ],
  },
  nodemon: {
    file: "server.mjs",
    app: PLAIN_APP,
    cmd: (dir) => [path.join(BIN, "nodemon"), ["--quiet", "--watch", dir, path.join(dir, "server.mjs")]],
  },
  "tsx watch": {
    file: "server.ts",
    app: PLAIN_APP,
    cmd: (dir) => [path.join(BIN, "tsx"), ["watch", path.join(dir, "server.ts")]],
  },
  "node --watch": {
    file: "server.mjs",
    app: PLAIN_APP,
    cmd: (dir) => [process.execPath, ["--watch", path.join(dir, "server.mjs")]],
  },
};

export async function reloadScenario({ trials, tools, log }) {
  const rows = [];
  for (const [name, tool] of Object.entries(TOOLS)) {
    if (tools && !tools.includes(name)) continue;
    const dir = mkdtempSync(path.join(tmpdir(), "cherry-bench-reload-"));
    const port = await freePort();
    writeFileSync(
      path.join(dir, "RootServer.cfg"),
      `[server]\nsocketPort = ${port}\nlogToScreen = 0\n[session]\nstorageType = ram\n`,
    );
    const file = path.join(dir, tool.file);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, tool.app("v0"));
    const [cmd, args] = tool.cmd(dir);
    const child = spawn(cmd, args, {
      cwd: dir,
      env: { ...process.env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const url = `http://127.0.0.1:${port}/`;
    try {
      await until(async () => (await fetch(url)).ok, 15_000);
      const first = await fetch(url);
      const cookie = first.headers.get("set-cookie")?.split(";")[0];
      const countIn = (text) => Number.parseInt(text.split(" ")[1], 10);
      const startCount = countIn(await first.text());
      let refused = 0;
      let served = 0;
      let stop = false;
      const background = Promise.all(
        Array.from({ length: 4 }, async () => {
          while (!stop) {
            try {
              await (await fetch(url)).text();
              served++;
            } catch {
              refused++;
              await sleep(1);
            }
          }
        }),
      );
      const latencies = [];
      for (let i = 1; i <= trials; i++) {
        const marker = `v${i}`;
        await sleep(120);
        const t0 = performance.now();
        writeFileSync(file, tool.app(marker));
        await until(async () => (await (await fetch(url)).text()).startsWith(`${marker} `), 10_000);
        latencies.push(performance.now() - t0);
      }
      stop = true;
      await background;
      const after = await fetch(url, { headers: cookie ? { cookie } : {} }).then((r) => r.text());
      const kept = countIn(after) === startCount + 1;
      rows.push({
        name,
        median: median(latencies),
        max: Math.max(...latencies),
        refused,
        served,
        sessionKept: kept,
      });
      log(
        `  ${name}: median ${median(latencies).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms, ${refused} refused of ${served + refused}, RAM session ${kept ? "kept" : "lost"}`,
      );
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

async function until(check, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (performance.now() > deadline) throw new Error("timed out");
    await sleep(1);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { until };
