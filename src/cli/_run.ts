import { CommanderError } from "commander";
import kleur from "kleur";
import { escapeControls } from "../_escape.js";
import { isCherryError } from "../errors.js";
import { colorFor } from "../log.js";

/** Prints a user error as one line (+ details and a hint) and returns the exit code. */
export function reportError(error: unknown): number {
  const color = colorFor(process.stderr);
  // Messages may quote what the user or a file gave (ids, values, names): no control sequence passes.
  const safe = (s: string) => escapeControls(s, { keepNewlines: true });
  const red = (s: string) => (color ? kleur.red(s) : s);
  const dim = (s: string) => (color ? kleur.dim(s) : s);
  if (isCherryError(error)) {
    process.stderr.write(`${red(`cherry: ${safe(error.message)}`)}\n`);
    for (const line of error.details) process.stderr.write(`${safe(line)}\n`);
    if (error.hint) process.stderr.write(`${dim(`hint: ${safe(error.hint)}`)}\n`);
    return error.exitCode;
  }
  if (error instanceof CommanderError) return error.exitCode;
  process.stderr.write(
    `${red("cherry: unexpected error")}\n${safe((error as Error)?.stack ?? String(error))}\n`,
  );
  return 1;
}
