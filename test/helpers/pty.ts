import { execa } from "execa";
import { BIN } from "./cli.js";

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
