// The README's main job: scaffold the HowTo's counter into ./my-app (once) and serve it.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const cherry = new URL("../bin/cherry.js", import.meta.url).pathname;
const run = (args) => spawnSync(process.execPath, [cherry, ...args], { stdio: "inherit" });

if (!existsSync("my-app/RootServer.cfg")) {
  const init = run(["init", "my-app"]);
  if (init.status !== 0) process.exit(init.status ?? 1);
}
const serve = run(["serve", "-c", "my-app/RootServer.cfg", ...process.argv.slice(2)]);
process.exit(serve.status ?? (serve.signal === "SIGINT" ? 130 : 1));
