// Throughput scenarios: contenders run alternately (A B C, A B C, …) and each result is a median.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { browse, countsForOneBrowser, Jar } from "./jar.mjs";
import { available, CONTENDERS, start } from "./servers.mjs";

const LOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), "load.mjs");

function runLoad(opts) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [LOAD, JSON.stringify(opts)], { maxBuffer: 1 << 20 }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout)),
    );
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * One scenario: `mode` plain (path /hello), many, new or hot (path /). For hot, lost updates are
 * the answered requests whose increment is missing from the final count.
 */
export async function scenario({ names, mode, rounds, duration, warmup = 1, connections = 50, log }) {
  const usable = [];
  for (const name of names) {
    if (!(await available(CONTENDERS[name].needs))) {
      log(`  ${name}: skipped (${CONTENDERS[name].needs} is not running)`);
      continue;
    }
    // A contender that loses its cookie would measure new visitors under a many-users label.
    const unfair = mode === "plain" || name === "node:http" ? undefined : await fairness(name);
    if (unfair) log(`  ${name}: left out, it fails the one-browser check (${unfair})`);
    else usable.push(name);
  }
  const samples = Object.fromEntries(usable.map((n) => [n, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const name of usable) {
      const server = await start(name);
      try {
        const path = mode === "plain" ? "/hello" : "/";
        const jar = new Jar();
        let before = 0;
        if (mode === "hot") before = Number(await browse(`${server.url}/`, jar));
        const cookie = jar.header();
        const { warm, load } = await runLoad({
          url: server.url,
          path,
          connections,
          warmup,
          duration,
          mode,
          cookie,
        });
        const sample = { ...load };
        if (mode === "hot") {
          const after = Number(await browse(`${server.url}/`, jar));
          const answered = warm.ok + load.ok;
          const applied = after - 1 - before;
          // node:http keeps no count: it has no lost-update figure, only a ceiling.
          if (Number.isFinite(applied)) {
            sample.lost = Math.max(0, answered - applied);
            sample.lostPct = answered ? (100 * sample.lost) / answered : 0;
          }
        }
        samples[name].push(sample);
        log(
          `  round ${round} ${name}: ${Math.round(load.rps)} req/s${sample.lostPct !== undefined ? `, lost ${sample.lostPct.toFixed(1)}%` : ""}${load.errors || load.non2xx ? `, ${load.errors} errors, ${load.non2xx} non-2xx` : ""}`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  return usable.map((name) => ({
    name,
    rps: median(samples[name].map((s) => s.rps)),
    p99: median(samples[name].map((s) => s.p99)),
    lostPct:
      mode === "hot" && samples[name][0].lostPct !== undefined
        ? median(samples[name].map((s) => s.lostPct))
        : undefined,
    failures: samples[name].reduce((n, s) => n + s.errors + s.non2xx, 0),
    rounds: samples[name].map((s) => Math.round(s.rps)),
  }));
}

/** Starts `name` once and runs the one-browser check (jar.mjs); resolves with what failed, if anything. */
async function fairness(name) {
  const server = await start(name);
  try {
    return await countsForOneBrowser(server.url);
  } finally {
    await server.stop();
  }
}

export { median };
