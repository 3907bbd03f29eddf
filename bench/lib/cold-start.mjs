// Cold start: from spawning the process to the first 200 on `/`.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { until } from "./reload.mjs";
import { ROOT } from "./servers.mjs";
import { median } from "./throughput.mjs";

export async function coldStart({ trials, log }) {
  const rows = [];
  const contenders = {
    "cherry serve --no-watch (counter, ram)": (port, dir) => {
      mkdirSync(path.join(dir, "src"), { recursive: true });
      writeFileSync(
        path.join(dir, "src/root.ts"),
        "export default { index(r) { const n = r.sessionMap.get('n', 0) + 1; r.sessionMap.set('n', n); return String(n); } };\n",
      );
      writeFileSync(
        path.join(dir, "RootServer.cfg"),
        `[server]\nsocketPort = ${port}\nlogToScreen = 0\n[session]\nstorageType = ram\n`,
      );
      return [
        path.join(ROOT, "bin/cherry.js"),
        "serve",
        "--no-watch",
        "-c",
        path.join(dir, "RootServer.cfg"),
      ];
    },
    "node:http (bare)": (port, dir) => {
      writeFileSync(
        path.join(dir, "s.mjs"),
        `import http from "node:http"; http.createServer((q, s) => s.end("ok")).listen(${port}, "127.0.0.1");\n`,
      );
      return [path.join(dir, "s.mjs")];
    },
  };
  for (const [name, setup] of Object.entries(contenders)) {
    const times = [];
    for (let i = 0; i < trials; i++) {
      const dir = mkdtempSync(path.join(tmpdir(), "cherry-bench-cold-"));
      const port = 20000 + Math.floor(Math.random() * 20000);
      const args = setup(port, dir);
      const t0 = performance.now();
      const child = spawn(process.execPath, args, { stdio: "ignore" });
      try {
        await until(async () => (await fetch(`http://127.0.0.1:${port}/`)).status === 200, 10_000);
        times.push(performance.now() - t0);
      } finally {
        child.kill("SIGTERM");
        await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
        rmSync(dir, { recursive: true, force: true });
      }
    }
    rows.push({ name, median: median(times), max: Math.max(...times) });
    log(`  ${name}: median ${median(times).toFixed(0)} ms`);
  }
  return rows;
}
