import { createRequire } from "node:module";
import { Command, CommanderError } from "commander";
import { escapeControls } from "../_escape.js";
import { reportError } from "./_run.js";
import { suggestUnknownCommands } from "./_suggest-command.js";
import { registerConfig } from "./config.js";
import { registerInit } from "./init.js";
import { registerServe } from "./serve.js";
import { registerSessions } from "./sessions.js";

const pkg = createRequire(import.meta.url)("../../package.json") as { version: string };

export function createProgram(): Command {
  const program = new Command("cherry")
    .description("CherryPy-style sessions and object publishing for TypeScript apps")
    .version(pkg.version, "-v, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // Commander puts its suggestion on a second line; users and tests read one line. It quotes
      // the unknown argument as typed: escaped like every other line (_escape.ts).
      outputError: (text, write) =>
        write(`${escapeControls(text.trim().replace(/\n\(Did you mean (.+)\?\)/, "; did you mean $1?"))}\n`),
    });
  registerInit(program);
  registerServe(program);
  registerSessions(program);
  registerConfig(program);
  suggestUnknownCommands(program);
  for (const command of program.commands) inheritBehaviour(command);
  return program;
}

function inheritBehaviour(command: Command): void {
  command.exitOverride().showSuggestionAfterError(true);
  suggestUnknownCommands(command);
  command.configureOutput(command.parent?.configureOutput() ?? {});
  for (const sub of command.commands) inheritBehaviour(sub);
}

/** The only place that calls process.exit. */
export async function runMain(argv: string[]): Promise<void> {
  let code = 0;
  // `cherry sessions ls --json | head` closes the pipe early: that is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  try {
    await createProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode !== 0) {
      code = error.code === "commander.executeSubCommandAsync" ? error.exitCode : 2;
    } else {
      code = reportError(error);
    }
  }
  if (code !== 0) process.exitCode = code;
}
