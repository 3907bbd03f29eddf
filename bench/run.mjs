// `npm run bench [-- --quick]`: cherry against its peers on this machine, in one run, alternating.
// Writes bench/RESULTS.md and bench/results/*.svg (overwritten on each run) through lib/report.mjs.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { coldStart } from "./lib/cold-start.mjs";
import { databaseAdminScenario } from "./lib/db-admin.mjs";
import { parseScenario } from "./lib/parse.mjs";
import { purgeScenario } from "./lib/purge.mjs";
import { reloadScenario } from "./lib/reload.mjs";
import { writeReport } from "./lib/report.mjs";
import { scenario } from "./lib/throughput.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");
const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
// Quick: a smoke run under a minute (fewer contenders, 1 s samples, no warm-up); its ratios are rough.
const P = quick
  ? {
      rounds: 3,
      duration: 1,
      warmup: 0,
      trials: 5,
      heapReloads: 50,
      purgeSessions: 5_000,
      coldTrials: 2,
      parseTrials: 3,
    }
  : {
      rounds: 3,
      duration: 5,
      warmup: 1,
      trials: 100, // the serve target counts refused connections over 100 reloads
      heapReloads: 500,
      purgeSessions: 100_000,
      coldTrials: 5,
      parseTrials: 9,
    };
// --contenders=a,b keeps only those contenders (a partial run, like --only).
const picked = process.argv
  .find((a) => a.startsWith("--contenders="))
  ?.slice(13)
  .split(",");
const keep = (names) => (picked ? names.filter((n) => picked.includes(n)) : names);
const log = (line) => process.stderr.write(`${line}\n`);
const wanted = (name) => !only || only.includes(name);
// Quick and --only runs are partial: they never overwrite the full run's RESULTS.md and charts.
const OUT =
  quick || only || picked
    ? { md: "RESULTS-quick.md", dir: "results/quick" }
    : { md: "RESULTS.md", dir: "results" };

// A quick run's short list, unless --contenders names others.
const SESSION_CONTENDERS =
  quick && !picked
    ? ["express-session MemoryStore", "cherry ram", "cherry file"]
    : [
        "node:http",
        "Map session (hand-written)",
        "express-session MemoryStore",
        "express-session + session-file-store",
        "express-session + connect-redis",
        "express-session + better-sqlite3 store",
        "express-session + express-mysql-session",
        "cookie-session",
        "cherry ram",
        "cherry file",
        "cherry cookie",
        "cherry sqlite",
        "cherry redis",
        "cherry postgres",
        "cherry mysql",
      ];

const results = {};
const started = Date.now();
if (wanted("hello")) {
  log("hello world, no sessions (50 connections)");
  const names = quick
    ? ["node:http", "cherry (sessions off)"]
    : ["node:http", "express 5", "cherry (sessions off)"];
  results.hello = await scenario({ names: keep(names), mode: "plain", ...P, log });
}
for (const mode of quick ? ["many", "hot"] : ["many", "new", "hot"]) {
  if (!wanted(mode)) continue;
  log(`sessions: ${mode} (50 connections)`);
  const names = SESSION_CONTENDERS.filter((n) => mode !== "hot" || !/cookie/.test(n));
  results[mode] = await scenario({ names: keep(names), mode, ...P, log });
}
if (wanted("reload")) {
  log(`reload (${P.trials} trials each)`);
  results.reload = await reloadScenario({
    trials: P.trials,
    tools: quick ? ["cherry serve (watch)", "node --watch"] : undefined,
    log,
  });
}
if (wanted("heap")) {
  log(`heap after ${P.heapReloads} reloads`);
  results.heap = await new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ["--expose-gc", path.join(HERE, "lib/heap.mjs"), String(P.heapReloads)],
      (e, out) => (e ? reject(e) : resolve(JSON.parse(out))),
    ),
  );
  log(`  heap ${(results.heap.before / 1e6).toFixed(1)} MB -> ${(results.heap.after / 1e6).toFixed(1)} MB`);
}
if (wanted("cold")) {
  log("cold start to first 200");
  results.cold = await coldStart({ trials: P.coldTrials, log });
}
if (wanted("purge")) {
  log(`ls and purge on ${P.purgeSessions.toLocaleString("en-US")} file sessions, half expired`);
  results.purge = await purgeScenario({ sessions: P.purgeSessions, log });
}
if (wanted("admin")) {
  log(
    `ls and purge on ${P.purgeSessions.toLocaleString("en-US")} sqlite, redis, postgres and mysql sessions`,
  );
  results.admin = await databaseAdminScenario({ sessions: P.purgeSessions, log, picked });
}
if (wanted("parse")) {
  log(`parsing 1 MiB bodies of hostile shapes (${P.parseTrials} trials each)`);
  results.parse = await parseScenario({ trials: P.parseTrials, log });
}

writeReport(results, (Date.now() - started) / 1000, { P, quick, out: OUT, root: HERE, log });
