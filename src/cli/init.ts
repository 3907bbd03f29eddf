import path from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { initApp, listTemplates } from "../scaffold/init.js";
import { INIT_STORAGES } from "../scaffold/storage.js";

interface InitFlags {
  template?: string;
  storage?: string;
  force?: boolean;
}

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("scaffold an app from a template (default: the HowTo's page-view counter)")
    .argument("[dir]", "folder to create (default: asks on a terminal, else the current folder)")
    .option("-t, --template <name>", `template: ${listTemplates().join(", ")} (default: counter)`)
    .option("--storage <type>", `session store: ${INIT_STORAGES.join(", ")}`)
    .option("--force", "write into a non-empty folder (never deletes anything)")
    .action(async (dir: string | undefined, flags: InitFlags) => {
      const target = dir ?? (await ask("Folder for the new app", "my-app")) ?? ".";
      const result = initApp({
        dir: target,
        template: flags.template,
        storage: flags.storage,
        force: flags.force,
      });
      const shown = path.relative(process.cwd(), result.dir) || ".";
      process.stderr.write(`created ${flags.template ?? "counter"} app in ${shown}:\n`);
      for (const file of result.files) process.stdout.write(`  ${path.join(shown, file)}\n`);
      const config = path.join(shown, "RootServer.cfg");
      const install = flags.template === "custom-store" ? `cd ${shown} && npm install && cd - && ` : "";
      process.stderr.write(`next: ${install}${selfCommand()} serve -c ${config}\n`);
    });
}

/** Only on a terminal; never waits on stdin in CI or a pipe. */
async function ask(question: string, fallback: string): Promise<string | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} (${fallback}): `)).trim();
    return answer || fallback;
  } finally {
    rl.close();
  }
}

/** `cherry` when run through the installed bin, else the exact `node …/bin/cherry.js`. */
function selfCommand(): string {
  const script = process.argv[1] ?? "cherry";
  if (path.basename(script) === "cherry") return "cherry";
  return `node ${path.relative(process.cwd(), script) || script}`;
}
