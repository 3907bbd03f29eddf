import { type ChildProcess, spawn } from "node:child_process";
import { BIN } from "./cli.js";

export interface CliServer {
  proc: ChildProcess;
  url: string;
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * How long a server may take to print `listening on`: generous, since four workers each opening a
 * store take several seconds on a loaded two-core machine. A wait for readiness, not a speed claim.
 */
const READY_MS = 30_000;

/** Starts `cherry serve …` and resolves once it prints its `listening on` line. */
export function startCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliServer> {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`no "listening on" line within ${READY_MS / 1000} s:\n${out}`));
    }, READY_MS);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          proc,
          url: match[1],
          output: () => out,
          async stop(signal = "SIGTERM") {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
            return exited;
          },
        });
      }
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${out}`));
    });
  });
}

/** Runs `cherry serve …` expecting it to fail; resolves with its exit code and output. */
export function runToExit(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout.on("data", (c) => {
    output += c;
  });
  proc.stderr.on("data", (c) => {
    output += c;
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  return new Promise((resolve) =>
    proc.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}
