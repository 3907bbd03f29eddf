// Runs a Node script in its own process and measures it as a user would feel it: wall-clock
// seconds and peak resident memory (from rss-probe.mjs, preloaded with --import).
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), "rss-probe.mjs");

/** Resolves with {seconds, rssMB, stdout, stderr}; rejects with the script's stderr if it fails. */
export function timedNode(args, cwd) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    execFile(
      process.execPath,
      ["--import", PROBE, ...args],
      { cwd, maxBuffer: 1 << 30 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${args.join(" ")}: ${stderr}`));
        const rss = Number(/maxrss=(\d+)/.exec(stderr)?.[1] ?? 0);
        resolve({ seconds: (performance.now() - t0) / 1000, rssMB: rss / 1024, stdout, stderr });
      },
    );
  });
}
