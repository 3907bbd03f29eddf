/**
 * `cherry config set|unset|edit`: change RootServer.cfg in place. The result is validated as
 * `cherry config check` would (same FILE:LINE problems, exit 2, the file untouched), then written
 * atomically (a temporary file next to it, renamed over it) with the file's mode kept. A running
 * `cherry serve` sees the rename as any edit and reloads.
 * `edit` works like `crontab -e` and `visudo`: $VISUAL or $EDITOR on a private copy; on errors it shows
 * them and asks to edit again or discard; the real file changes only when the copy is valid.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { escapeControls } from "../_escape.js";
import { textSecrets } from "../config/_echo.js";
import { guardOutput } from "../config/_guard.js";
import { readValue } from "../config/_interpolate.js";
import { type EditResult, resolveTarget, setKey, unsetKey } from "../config/edit.js";
import { configLocation, parseIni, resolveConfig } from "../config/index.js";
import { describeSecret, redact } from "../config/redact.js";
import { isSecretName, specOf } from "../config/schema.js";
import { CherryError } from "../errors.js";

interface Flags {
  config?: string;
}

export function registerConfigEdit(config: Command): void {
  config
    .command("set")
    .description("set SECTION.KEY to VALUE in RootServer.cfg, keeping every other byte (VALUE - reads stdin)")
    .argument("<SECTION.KEY>", "e.g. session.timeout")
    .argument("<VALUE>", "the new value; - reads it from stdin (keeps secrets out of shell history)")
    .option("-c, --config <file>", "config file (default: ./RootServer.cfg)")
    .action((id: string, value: string, flags: Flags) => {
      const given = value === "-" ? readFileSync(0, "utf8").replace(/\r?\n$/, "") : value;
      change(flags, (text) => setKey(text, id, given), { id, value: given });
    });
  config
    .command("unset")
    .description("remove SECTION.KEY from RootServer.cfg (its default applies again)")
    .argument("<SECTION.KEY>", "e.g. session.timeout")
    .option("-c, --config <file>", "config file (default: ./RootServer.cfg)")
    .action((id: string, flags: Flags) => change(flags, (text) => unsetKey(text, id)));
  config
    .command("edit")
    .description("open RootServer.cfg in $VISUAL/$EDITOR; saved only when valid")
    .option("-c, --config <file>", "config file (default: ./RootServer.cfg)")
    .action((flags: Flags) => edit(flags));
}

function open(flags: Flags): { real: string; displayName: string; text: string; mode: number } {
  const { file, displayName } = configLocation({ configPath: flags.config });
  try {
    // Through a symlink the target is edited, so the link stays a link.
    const real = realpathSync(file);
    return { real, displayName, text: readFileSync(real, "utf8"), mode: statSync(real).mode & 0o7777 };
  } catch (error) {
    throw new CherryError("E_CONFIG_NOT_FOUND", `config file ${displayName} not found`, {
      cause: error,
      hint: "pass -c FILE, or run `cherry init` to create an app",
    });
  }
}

/** The problems `cherry config check` would print for this text, or [] when it is valid. */
function problemsOf(text: string, real: string, displayName: string): string[] {
  return resolveConfig(parseIni(text), { file: real, displayName, env: process.env }).problems;
}

function change(
  flags: Flags,
  edit: (text: string) => EditResult,
  wanted?: { id: string; value: string },
): void {
  const { real, displayName, text, mode } = open(flags);
  // The output guard (SECURITY.md) knows the secrets of the file before and after the edit.
  guardOutput([...textSecrets(text), ...(wanted ? textSecrets(`secret = ${wanted.value}`) : [])]);
  const result = edit(text);
  if (wanted && result.action !== "unchanged") readsBack(result.text, wanted, displayName);
  if (result.action === "unchanged") {
    process.stdout.write(`${displayName}: unchanged\n`);
    return;
  }
  const problems = problemsOf(result.text, real, displayName);
  if (problems.length > 0) {
    const count = problems.length;
    throw new CherryError(
      "E_CONFIG_INVALID",
      `${displayName}: not changed: the result would have ${count} problem${count === 1 ? "" : "s"}`,
      { details: problems, hint: "fix them with `cherry config edit`, or set another value" },
    );
  }
  writeAtomically(real, result.text, mode);
  process.stdout.write(`${escapeControls(`${displayName}:${result.line}: ${describeChange(result)}`)}\n`);
}

/**
 * Refuses a `config set` whose value would not read back as given: ConfigParser (and cherry) expand
 * `%(name)s` and `%%`, and cut a value at ` ;`. Throws E_USAGE; a secret's value is never shown.
 */
function readsBack(text: string, wanted: { id: string; value: string }, displayName: string): void {
  const { section, key } = resolveTarget(wanted.id);
  const parsed = parseIni(text);
  const home = parsed.sections.find((s) => s.name === section);
  const entry = home?.entries.find((e) => e.name === key.toLowerCase());
  const read = entry && home ? readValue(entry, home, parsed.defaults) : undefined;
  if (read?.ok && read.value === wanted.value) return;
  const secret = isSecretName(key);
  const got = !read
    ? "nothing"
    : !read.ok
      ? "an error"
      : secret
        ? `${read.value.length} characters`
        : JSON.stringify(read.value);
  throw new CherryError(
    "E_USAGE",
    `${displayName}: not changed: [${section}] ${key} would read back as ${got}, not the value given`,
    {
      hint: 'RootServer.cfg expands %(name)s and cuts a value at " ;" (as ConfigParser did): write a literal "%" as %%, and no " ;" in a value',
    },
  );
}

function describeChange(result: EditResult): string {
  if (result.action === "removed") return `${result.key} removed`;
  const parsed = parseIni(result.text);
  const entry = [...parsed.sections, ...(parsed.defaults ? [parsed.defaults] : [])]
    .flatMap((s) => s.entries.map((e) => ({ s, e })))
    .find(({ e }) => e.line === result.line);
  const value = entry?.e.value ?? "";
  const spec = entry ? specOf(entry.s.name, entry.e.name) : undefined;
  const secret = spec?.type === "secret" || isSecretName(result.key) || /pass|token/i.test(result.key);
  const shown = !secret
    ? JSON.stringify(value)
    : /:\/\//.test(value)
      ? JSON.stringify(redact(value))
      : describeSecret(value);
  return `${result.key} = ${shown} (${result.action})`;
}

/** Temporary file in the same folder, same mode, flushed, then renamed over the target. */
export function writeAtomically(target: string, text: string, mode: number): void {
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`,
  );
  try {
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, mode);
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new CherryError(
      "E_CONFIG_WRITE",
      `cannot write ${target}: ${(error as Error).message}; it is unchanged`,
      {
        cause: error,
      },
    );
  }
}

function edit(flags: Flags): void {
  const { real, displayName, text, mode } = open(flags);
  const folder = mkdtempSync(path.join(tmpdir(), "cherry-edit-"));
  const copy = path.join(folder, path.basename(real));
  writeFileSync(copy, text, { mode: 0o600 });
  let keep = false;
  try {
    for (;;) {
      const editor = process.env.VISUAL || process.env.EDITOR || "vi";
      const run = spawnSync("/bin/sh", ["-c", `${editor} "$1"`, "sh", copy], { stdio: "inherit" });
      if (run.status !== 0) {
        throw new CherryError(
          "E_USAGE",
          `the editor (${editor}) exited with ${run.status ?? run.signal}; ${displayName} unchanged`,
        );
      }
      const next = readFileSync(copy, "utf8");
      if (next === text) {
        process.stdout.write(`${displayName}: no changes\n`);
        return;
      }
      const problems = problemsOf(next, real, displayName);
      if (problems.length === 0) {
        if (readFileSync(real, "utf8") !== text) {
          keep = true;
          throw new CherryError(
            "E_USAGE",
            `${displayName} changed while you edited it; your version is in ${copy}`,
          );
        }
        writeAtomically(real, next, mode);
        process.stdout.write(`${displayName}: saved\n`);
        return;
      }
      for (const line of problems) process.stderr.write(`${escapeControls(line, { keepNewlines: true })}\n`);
      // Only "d" or the end of input discards the edit; any other answer (y, Enter, a typo) asks again.
      let answer = ask(`${displayName}: ${problems.length} problem(s). (e)dit again or (d)iscard? `);
      while (answer !== undefined && answer !== "e" && answer !== "d") {
        answer = ask(`please answer e (edit again) or d (discard your changes): `);
      }
      if (answer !== "e") {
        throw new CherryError("E_CONFIG_INVALID", `${displayName}: changes discarded; the file is unchanged`);
      }
    }
  } finally {
    if (!keep) rmSync(folder, { recursive: true, force: true });
  }
}

/** One answer line read synchronously from stdin (a terminal or a pipe), its first letter lowercased; end of input = undefined. */
function ask(prompt: string): string | undefined {
  process.stderr.write(prompt);
  const byte = Buffer.alloc(1);
  let line = "";
  for (;;) {
    let n: number;
    try {
      n = readSync(0, byte, 0, 1, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") continue;
      return undefined;
    }
    if (n === 0 && line === "") return undefined;
    if (n === 0 || byte[0] === 0x0a) break;
    line += String.fromCharCode(byte[0]);
  }
  return line.trim().toLowerCase().slice(0, 1);
}
