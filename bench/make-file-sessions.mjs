// Writes N session files (half expired) into a folder, as cherry's file store lays them out.
// Usage: node bench/make-file-sessions.mjs DIR N
import { randomBytes } from "node:crypto";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";

export function makeFileSessions(dir, n) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const now = Date.now() / 1000;
  for (let i = 0; i < n; i++) {
    const id = randomBytes(20).toString("hex");
    const file = path.join(dir, `session-${id}.json`);
    writeFileSync(file, JSON.stringify({ pageViews: i, user: `user${i}` }), { mode: 0o600 });
    const when = i % 2 === 0 ? now - 3600 : now + 3600;
    utimesSync(file, when, when);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  makeFileSessions(process.argv[2], Number(process.argv[3] ?? 100_000));
}
