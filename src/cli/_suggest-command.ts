/**
 * "did you mean" for an unknown command. Commander only compares spellings, and the commands users
 * reach for by habit are other tools' words (`rm`, `list`, `start`): it suggests nothing for
 * `cherry sessions rm`, and `ls` for `rm` at best. Known synonyms come first, then the closest
 * spelling (the config's rule, src/config/_suggest.ts).
 */
import type { Command } from "commander";
import { suggest } from "../config/_suggest.js";

/** Words of git, docker, npm, kubectl and Django's manage.py, by the cherry command they mean. */
const SYNONYMS: Record<string, readonly string[]> = {
  purge: ["rm", "remove", "delete", "del", "clean", "clear", "prune", "flush", "expire", "clearsessions"],
  ls: ["list", "dir", "all", "ps"],
  show: ["get", "cat", "view", "info", "inspect", "describe", "read"],
  init: ["new", "create", "scaffold", "generate", "startproject", "startapp"],
  serve: ["start", "run", "dev", "server", "up", "runserver", "watch"],
  check: ["validate", "lint", "verify", "test"],
};

/** The command of `candidates` that `input` most likely meant, or undefined. */
export function suggestCommand(input: string, candidates: readonly string[]): string | undefined {
  const word = input.toLowerCase();
  for (const [command, words] of Object.entries(SYNONYMS))
    if (candidates.includes(command) && words.includes(word)) return command;
  return suggest(input, candidates);
}

/** Makes `command` (and so each of its subcommands' parents) report unknown commands with suggestCommand. */
export function suggestUnknownCommands(command: Command): void {
  // Commander calls this.unknownCommand() when no subcommand matches; its own version is the
  // spelling-only one.
  (command as unknown as { unknownCommand(): void }).unknownCommand = function unknownCommand(this: Command) {
    const name = this.args[0] ?? "";
    const hit = suggestCommand(
      name,
      this.commands.map((c) => c.name()),
    );
    this.error(`error: unknown command '${name}'${hit ? `; did you mean ${hit}?` : ""}`, {
      code: "commander.unknownCommand",
    });
  };
}
