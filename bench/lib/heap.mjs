// Heap growth over many reloads, measured inside a cherry server process (run with --expose-gc).
// argv[2]: number of reloads. Prints {"before": bytes, "after": bytes, "reloads": n}.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer } from "../../dist/server/dev-server.js";

const reloads = Number(process.argv[2] ?? 500);
const dir = mkdtempSync(path.join(tmpdir(), "cherry-bench-heap-"));
mkdirSync(path.join(dir, "src"));
const app = (n) =>
  `export default class Root { index(r) { const c = r.sessionMap.get("c", 0) + 1; r.sessionMap.set("c", c); return "v${n} " + c; } }\n`;
writeFileSync(path.join(dir, "src/root.ts"), app(0));
writeFileSync(
  path.join(dir, "RootServer.cfg"),
  "[server]\nsocketPort = 0\nlogToScreen = 0\n[session]\nstorageType = ram\n",
);
const silent = { info() {}, warn() {}, error() {}, access() {}, accessEnabled: false };
const server = await startServer({
  configPath: path.join(dir, "RootServer.cfg"),
  watch: true,
  logger: silent,
});
const heap = () => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};
await fetch(server.url);
const before = heap();
for (let i = 1; i <= reloads; i++) {
  const done = server.nextReload();
  writeFileSync(path.join(dir, "src/root.ts"), app(i));
  await done;
  if (i % 50 === 0) await fetch(server.url);
}
const text = await (await fetch(server.url)).text();
const after = heap();
await server.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ before, after, reloads, last: text }));
