import { type ChildProcess, spawn } from "node:child_process";
import { execa } from "execa";
import { BIN } from "./cli.js";

export interface TerminalRun {
  proc: ChildProcess;
  /** Everything the program wrote to its terminal so far (echoed input included). */
  output(): string;
  /** Types a line, as a person would, then Enter. */
  type(line: string): void;
  /** Resolves with the output once `pattern` matches the output written after `from` characters. */
  waitFor(pattern: RegExp, from?: number, ms?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  kill(): void;
}

/**
 * Runs `cherry ARGS` on a real pseudo-terminal through util-linux `script` (no native module):
 * the program sees a TTY on stdin, stdout and stderr. `-e` makes script exit with cherry's code.
 */
export function runInTerminal(args: string[], cwd: string, env: Record<string, string> = {}): TerminalRun {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  const proc = spawn("script", ["-qefc", command, "/dev/null"], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", TERM: "xterm", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const listener of listeners) listener();
  };
  proc.stdout?.on("data", onData);
  proc.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return {
    proc,
    output: () => out,
    type: (line) => proc.stdin?.write(`${line}\r`),
    exited,
    kill: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    },
    waitFor(pattern, from = 0, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out.slice(from));
          if (!match) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(match);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} within ${ms} ms; the terminal shows:\n${out.slice(from)}`));
        }, ms);
        listeners.add(check);
        check();
      });
    },
  };
}

/**
 * Runs the built `cherry` on a pseudo-terminal (util-linux `script`), so that stdin and stderr are
 * TTYs as in a user's terminal, and types `input` into it. Resolves with the exit code and what the
 * terminal showed (escape sequences of readline stripped).
 */
export async function cherryOnTerminal(
  args: string[],
  options: { cwd: string; input: string; env?: Record<string, string> },
): Promise<{ exitCode: number; output: string }> {
  const quoted = ["node", BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const result = await execa("script", ["-qec", quoted, "/dev/null"], {
    cwd: options.cwd,
    input: options.input,
    reject: false,
    timeout: 15_000,
    env: { NO_COLOR: "1", ...options.env },
  });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are the point
  const output = String(result.stdout).replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  return { exitCode: result.exitCode ?? -1, output };
}
