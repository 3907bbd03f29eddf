import { CommanderError } from "commander";
import kleur from "kleur";
import { isCherryError } from "../errors.js";
import { colorFor } from "../log.js";

/** Prints a user error as one line (+ details and a hint) and returns the exit code. */
export function reportError(error: unknown): number {
  const color = colorFor(process.stderr);
  const red = (s: string) => (color ? kleur.red(s) : s);
  const dim = (s: string) => (color ? kleur.dim(s) : s);
  if (isCherryError(error)) {
    process.stderr.write(`${red(`cherry: ${error.message}`)}\n`);
    for (const line of error.details) process.stderr.write(`${line}\n`);
    if (error.hint) process.stderr.write(`${dim(`hint: ${error.hint}`)}\n`);
    return error.exitCode;
  }
  if (error instanceof CommanderError) return error.exitCode;
  process.stderr.write(`${red("cherry: unexpected error")}\n${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}
