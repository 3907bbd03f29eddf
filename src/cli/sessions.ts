import path from "node:path";
import { createInterface } from "node:readline/promises";
import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";
import kleur from "kleur";
import { escapeControls } from "../_escape.js";
import { loadConfig } from "../config/load.js";
import type { CherryConfig } from "../config/types.js";
import { CherryError } from "../errors.js";
import { colorFor } from "../log.js";
import { leftAlone, openAdminStore, scanSize, sessionPath } from "../sessions/admin.js";
import { isSessionId } from "../sessions/ids.js";
import type { SessionStore } from "../sessions/store.js";
import { descriptorOf } from "../sessions/stores/index.js";
import { formatBytes, formatColumns, formatCount, formatRelative, formatTime } from "./_format.js";

interface Flags {
  config?: string;
  json?: boolean;
  expired?: boolean;
  all?: boolean;
  dryRun?: boolean;
  yes?: boolean;
}

export function registerSessions(program: Command): void {
  const sessions = program.command("sessions").description("list, show and purge stored sessions");
  sessions
    .command("ls")
    .description("list sessions (streams: any number of sessions)")
    .option("-c, --config <file>", "config file (default: ./RootServer.cfg)")
    .option("--expired", "only expired sessions")
    .option("--json", "a JSON array on stdout: id, expiresAt (epoch ms), expired, bytes")
    .action((flags: Flags) => withStore(flags, (store) => list(store, flags)));
  sessions
    .command("show")
    .description("one session's data and expiry")
    .argument("<id>", "the session id (40 hex characters)")
    .option("-c, --config <file>", "config file (default: ./RootServer.cfg)")
    .option("--json", "machine-readable output on stdout")
    .action((id: string, flags: Flags) =>
      withStore(flags, (store, config) => show(store, config, id, flags)),
    );
  sessions
    .command("purge")
    .description(
      "remove expired and unreadable sessions (every session with --all); safe while a server runs",
    )
    .option("-c, --config <file>", "config file (default: ./RootServer.cfg)")
    .option("--all", "remove every session, live ones too")
    .option("--yes", "do not ask before --all on a terminal")
    .option("--dry-run", "report what would go, remove nothing")
    .option("--json", '{"removed": N, "kept": N} on stdout')
    .action((flags: Flags) => withStore(flags, (store, config) => purge(store, config, flags)));
}

async function withStore(
  flags: Flags,
  run: (store: SessionStore, config: CherryConfig) => Promise<void>,
): Promise<void> {
  const config = loadConfig({ configPath: flags.config });
  const store = await openAdminStore(config);
  try {
    await run(store, config);
    reportLeftAlone(config, store);
  } finally {
    await store.close?.();
  }
}

/** How many sessions a listing store holds (expired ones too); undefined when it cannot list. */
async function countSessions(store: SessionStore): Promise<number | undefined> {
  if (!store.list) return undefined;
  let n = 0;
  for await (const _ of store.list()) n++;
  return n;
}

/** "the file store in sessions/": which store a question is about, with no password in it. */
function describeStore(config: CherryConfig): string {
  const type = config.session.storageType;
  const rel = (p: string) => path.relative(process.cwd(), p) || ".";
  return descriptorOf(type)?.describe?.(config, rel) ?? `the ${type} store`;
}

/** A progress bar on stderr, only on a terminal and for a large store that counts its records cheaply (file). */
function progressBar(
  config: CherryConfig,
  store: SessionStore,
): { update(n: number): void; stop(): void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  const total = scanSize(config, store);
  if (total === undefined || total < LARGE_STORE) return undefined;
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: "purging [{bar}] {percentage}% {value}/{total} sessions",
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (n) => bar.update(n), stop: () => bar.stop() };
}

const LARGE_STORE = 5000;

/** What the store left alone (other files in storageFileDir): said once, escaped. */
function reportLeftAlone(config: CherryConfig, store: SessionStore): void {
  const line = leftAlone(config, store);
  if (line) process.stderr.write(`${escapeControls(line)}\n`);
}

/**
 * Output gathered into chunks of about 64 KiB: a write per row was a system call per row (a sixth
 * of `ls --json` on 100,000 sessions). Each returned promise, if any, waits for the stream to drain.
 */
function chunkedOutput(stream: NodeJS.WriteStream) {
  let pending = "";
  const flush = () => {
    const text = pending;
    pending = "";
    return stream.write(text) ? undefined : new Promise<void>((r) => stream.once("drain", () => r()));
  };
  return {
    write: (text: string) => {
      pending += text;
      return pending.length >= 65_536 ? flush() : undefined;
    },
    end: () => (pending ? flush() : undefined),
  };
}

async function list(store: SessionStore, flags: Flags): Promise<void> {
  if (!store.list)
    throw new CherryError(
      "E_STORE_UNSUPPORTED",
      "this store cannot list its sessions (a custom store needs listSessions())",
    );
  const now = Date.now();
  const { write, end } = chunkedOutput(process.stdout);
  if (flags.json) {
    let first = true;
    await write("[");
    for await (const s of store.list()) {
      const expired = s.expiresAt <= now;
      if (flags.expired && !expired) continue;
      const row = JSON.stringify({ id: s.id, expiresAt: Math.round(s.expiresAt), expired, bytes: s.bytes });
      await write(`${first ? "\n" : ",\n"}${row}`);
      first = false;
    }
    await write(first ? "]\n" : "\n]\n");
    await end();
    return;
  }
  const color = colorFor(process.stdout);
  const dim = (s: string) => (color ? kleur.dim(s) : s);
  const red = (s: string) => (color ? kleur.red(s) : s);
  // A table is read by a person: sorted by expiry (expired first, longest-lived last, next to the
  // prompt) with padded columns, so it is gathered first; --json streams in the store's order.
  const rows: { expiresAt: number; cells: string[] }[] = [];
  let expiredCount = 0;
  for await (const s of store.list()) {
    const expired = s.expiresAt <= now;
    if (flags.expired && !expired) continue;
    if (expired) expiredCount++;
    const data = s.data ?? (await store.get(s.id))?.data;
    // Keys are the app's (or a visitor's) text: shown escaped, never as control sequences (_escape.ts).
    const keys = data ? escapeControls(Object.keys(data).join(", ")) : red("(unreadable)");
    const mark = expired ? red(" expired") : "";
    rows.push({
      expiresAt: s.expiresAt,
      cells: [
        s.id,
        formatRelative(s.expiresAt - now),
        formatTime(s.expiresAt),
        formatBytes(s.bytes),
        `${keys}${mark}`,
      ],
    });
  }
  rows.sort((a, b) => a.expiresAt - b.expiresAt);
  const [header, ...lines] = formatColumns(
    [["ID", "EXPIRES", "AT", "SIZE", "KEYS"], ...rows.map((r) => r.cells)],
    new Set([3]),
  );
  await write(`${dim(header)}\n`);
  for (const line of lines) await write(`${line}\n`);
  await end();
  const shown = rows.length;
  const noun = `session${shown === 1 ? "" : "s"}`;
  process.stderr.write(
    flags.expired
      ? `${formatCount(shown)} expired ${noun}\n`
      : `${formatCount(shown)} ${noun}, ${formatCount(expiredCount)} expired${expiredCount > 0 ? " (cherry sessions purge removes them)" : ""}\n`,
  );
}

async function show(store: SessionStore, config: CherryConfig, id: string, flags: Flags): Promise<void> {
  if (!isSessionId(id)) {
    throw new CherryError(
      "E_SESSION_NOT_FOUND",
      `"${String(id).slice(0, 60)}" is not a session id (expected 40 lowercase hex characters)`,
    );
  }
  const record = await store.get(id);
  if (!record) throw new CherryError("E_SESSION_NOT_FOUND", `no session ${id} (or it cannot be read)`);
  const expired = record.expiresAt <= Date.now();
  const file = sessionPath(config, store, id);
  if (flags.json) {
    // JSON.stringify leaves C1 controls and DEL raw; escaped, the text is the same JSON value (its
    // only raw line feeds are the indentation's: inside strings JSON has them as \n already).
    process.stdout.write(
      `${escapeControls(JSON.stringify({ id, expiresAt: Math.round(record.expiresAt), expired, ...(file ? { file } : {}), data: record.data }, null, 2), { keepNewlines: true })}\n`,
    );
    return;
  }
  process.stdout.write(`id:       ${id}\n`);
  process.stdout.write(
    `expires:  ${formatTime(record.expiresAt)} (${formatRelative(record.expiresAt - Date.now())})${expired ? " expired" : ""}\n`,
  );
  if (file) process.stdout.write(`file:     ${escapeControls(file)}\n`);
  process.stdout.write(
    `data:\n${escapeControls(JSON.stringify(record.data, null, 2), { keepNewlines: true })}\n`,
  );
}

async function purge(store: SessionStore, config: CherryConfig, flags: Flags): Promise<void> {
  if (!store.purge) throw new CherryError("E_STORE_UNSUPPORTED", "this store cannot purge");
  // Removing every session logs every user out: it is asked for on a terminal, and without one
  // (cron, CI, a pipe) only --yes confirms it; piped input is never taken as the answer.
  if (flags.all && !flags.dryRun && !flags.yes) {
    if (!(process.stdin.isTTY && process.stderr.isTTY))
      throw new CherryError("E_ABORTED", "nothing removed: --all without a terminal to confirm on", {
        hint: "add --yes to remove every session from a script",
      });
    const count = await countSessions(store);
    if (count !== 0) await confirmAll(config, count);
  }
  const started = performance.now();
  const bar = progressBar(config, store);
  let result: Awaited<ReturnType<NonNullable<SessionStore["purge"]>>>;
  try {
    result = await store.purge({
      now: Date.now(),
      all: flags.all,
      dryRun: flags.dryRun,
      onProgress: bar?.update,
    });
  } finally {
    bar?.stop();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (flags.json)
    process.stdout.write(
      `${JSON.stringify({ removed: result.removed, kept: result.kept, unreadable: result.unreadable })}\n`,
    );
  const total = result.removed + result.kept;
  const verb = flags.dryRun ? "would remove" : "removed";
  const summary = Number.isFinite(total)
    ? `${verb} ${formatCount(result.removed)} of ${formatCount(total)} sessions (${formatCount(result.unreadable)} unreadable) in ${seconds} s`
    : `cleanUpOldSessions() done in ${seconds} s`;
  process.stderr.write(`${summary}\n`);
}

/** Asks on the terminal before --all removes `count` sessions (undefined: the store cannot count). */
async function confirmAll(config: CherryConfig, count: number | undefined): Promise<void> {
  const what =
    count === undefined ? "EVERY session" : `all ${formatCount(count)} session${count === 1 ? "" : "s"}`;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(
    `Remove ${what} of ${escapeControls(describeStore(config))}, logging every user out? [y/N] `,
  );
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim()))
    throw new CherryError("E_ABORTED", "nothing removed (--all not confirmed)", {
      hint: "--yes skips the question in scripts",
    });
}
