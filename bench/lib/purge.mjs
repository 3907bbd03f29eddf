// `cherry sessions ls/purge` on N file sessions (half expired) against session-file-store's reap
// and a plain scan by file time, each on its own fresh copy of the same number of sessions.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeFileSessions } from "../make-file-sessions.mjs";
import { ROOT } from "./servers.mjs";
import { timedNode } from "./timed.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

function cherryFolder(n) {
  const dir = mkdtempSync(path.join(tmpdir(), "cherry-bench-purge-"));
  makeFileSessions(path.join(dir, "sessions"), n);
  writeFileSync(
    path.join(dir, "RootServer.cfg"),
    "[session]\nstorageType = file\nstorageFileDir = sessions\n",
  );
  return dir;
}

function sessionFileStoreFolder(n) {
  const dir = mkdtempSync(path.join(tmpdir(), "cherry-bench-sfs-"));
  mkdirSync(path.join(dir, "sessions"));
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const lastAccess = i % 2 === 0 ? now - 2 * 3_600_000 : now;
    const session = {
      cookie: { originalMaxAge: 3_600_000, httpOnly: true, path: "/" },
      pageViews: i,
      user: `user${i}`,
      __lastAccess: lastAccess,
    };
    writeFileSync(
      path.join(dir, "sessions", `${randomBytes(16).toString("base64url")}.json`),
      JSON.stringify(session),
    );
  }
  return dir;
}

export async function purgeScenario({ sessions, log }) {
  const cli = path.join(ROOT, "bin/cherry.js");
  const rows = [];
  const run = async (name, prepare, args) => {
    const dir = prepare(sessions);
    try {
      const result = await timedNode(args(dir), dir);
      rows.push({ name, seconds: result.seconds, rssMB: result.rssMB });
      log(`  ${name}: ${result.seconds.toFixed(2)} s, peak RSS ${result.rssMB.toFixed(0)} MB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  await run("cherry sessions ls --json", cherryFolder, () => [cli, "sessions", "ls", "--json"]);
  await run("cherry sessions purge", cherryFolder, () => [cli, "sessions", "purge"]);
  await run("session-file-store reap", sessionFileStoreFolder, (dir) => [
    path.join(HERE, "sfs-reap.mjs"),
    path.join(dir, "sessions"),
  ]);
  await run("plain scan by file time", cherryFolder, (dir) => [
    path.join(HERE, "plain-scan.mjs"),
    path.join(dir, "sessions"),
  ]);
  return rows;
}
