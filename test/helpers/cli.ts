import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(ROOT, "bin/cherry.js");

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `cherry` as a user would; never throws on a non-zero exit. `input` is piped to stdin. */
export async function cherry(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeout?: number; input?: string } = {},
): Promise<CliResult> {
  const result = await execa("node", [BIN, ...args], {
    reject: false,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    cwd: options.cwd,
    timeout: options.timeout ?? 15_000,
    env: { NO_COLOR: "1", ...options.env },
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
