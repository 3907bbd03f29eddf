import { appendFileSync, chmodSync, lstatSync } from "node:fs";
import kleur from "kleur";
import { escapeControls } from "./_escape.js";

/** Colour only on a terminal and never with NO_COLOR (docs/contract.md §5). */
export function colorFor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !("NO_COLOR" in process.env) && process.env.TERM !== "dumb";
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** One access-log line: stdout when logToScreen, and the log file when set. */
  access(line: string, status: number): void;
  /** False when access lines go nowhere: the server then skips formatting them. */
  accessEnabled?: boolean;
}

export interface LoggerOptions {
  scope?: string;
  logToScreen?: boolean;
  logFile?: string;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

/**
 * A session id is a bearer credential (src/sessions/ids.ts: 40 lowercase hex digits), so no log line
 * carries one whole: every run of exactly 40 hex digits (in a store's file name, an OS error's
 * path, a lock key) keeps its first 8 digits, enough to match it with `cherry sessions ls`.
 */
export function shortenSessionIds(line: string): string {
  return line.replace(/(?<![0-9a-fA-F])([0-9a-f]{8})[0-9a-f]{32}(?![0-9a-fA-F])/g, "$1…");
}

/**
 * An existing log file others may read or write is made 0600, with a notice: its lines name request
 * paths and session id prefixes, and a writable log lets others forge lines. Returns the notice.
 */
function tightenLogFile(file: string): string | undefined {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR, EACCES: the first write says the file cannot be written (toFile)
  }
  if (!stat?.isFile() || (stat.mode & 0o077) === 0) return undefined;
  const was = `0${(stat.mode & 0o777).toString(8)}`;
  try {
    chmodSync(file, 0o600);
    return `logFile ${file} was mode ${was} (other users could read it): changed to 0600`;
  } catch (error) {
    return `logFile ${file} is mode ${was} and could not be made 0600 (${(error as NodeJS.ErrnoException).code}): other users can read it; chmod 600 ${file}`;
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const errColor = colorFor(stderr);
  const outColor = colorFor(stdout);
  const paint = (on: boolean, fn: (s: string) => string, s: string) => (on ? fn(s) : s);
  const prefix = options.scope ? `[cherry] [${options.scope}] ` : "[cherry] ";
  // A log file that cannot be written must not take the server down, nor fail in silence: the first
  // failed write says so on stderr (once, until a write succeeds again).
  let fileFailing = false;
  const toFile = (line: string) => {
    if (!options.logFile) return;
    try {
      // 0600 when it creates the file, whatever the umask: log lines name sessions and paths.
      appendFileSync(options.logFile, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
      fileFailing = false;
    } catch (error) {
      if (fileFailing) return;
      fileFailing = true;
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      const warning = `${prefix}warning: cannot write logFile ${options.logFile} (${code}): log lines are not kept there until it can be written again`;
      stderr.write(`${paint(errColor, kleur.yellow, escapeControls(warning))}\n`);
    }
  };
  // Messages carry text from outside (exception messages, paths): never a control sequence (_escape.ts).
  const write = (raw: string, color: (s: string) => string) => {
    const line = shortenSessionIds(escapeControls(raw, { keepNewlines: true }));
    stderr.write(`${paint(errColor, color, line)}\n`);
    toFile(line);
  };
  const notice = options.logFile ? tightenLogFile(options.logFile) : undefined;
  if (notice) write(`${prefix}warning: ${notice}`, kleur.yellow);
  return {
    accessEnabled: options.logToScreen !== false || Boolean(options.logFile),
    info: (m) => write(prefix + m, (s) => s),
    warn: (m) => write(`${prefix}warning: ${m}`, kleur.yellow),
    error: (m) => write(`${prefix}${m}`, kleur.red),
    access(raw, status) {
      const line = shortenSessionIds(escapeControls(raw));
      if (options.logToScreen !== false) {
        const color = status >= 500 ? kleur.red : status >= 400 ? kleur.yellow : kleur.green;
        // The time of day, as runserver and vite print it; the log file has the full ISO time.
        const time = paint(outColor, kleur.dim, clockTime(new Date()));
        stdout.write(`${time} ${paint(outColor, color, line)}\n`);
      }
      toFile(line);
    },
  };
}

/** `HH:MM:SS` in local time, the access log's timestamp on screen. */
export function clockTime(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
}
