import path from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { escapeControls } from "../_escape.js";
import { initApp, listTemplates } from "../scaffold/init.js";
import { INIT_STORAGES } from "../scaffold/storage.js";

interface InitFlags {
  template?: string;
  storage?: string;
  force?: boolean;
  overwrite?: boolean;
}

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("scaffold an app from a template (default: the HowTo's page-view counter)")
    .argument("[dir]", "folder to create (default: asks on a terminal, else the current folder)")
    .option("-t, --template <name>", `template: ${listTemplates().join(", ")} (default: counter)`)
    .option("--storage <type>", `session store: ${INIT_STORAGES.join(", ")}`)
    .option("--force", "write into a non-empty folder, keeping files that differ from the template")
    .option("--overwrite", "like --force, and replace files that differ from the template")
    .action(async (dir: string | undefined, flags: InitFlags) => {
      const target = dir ?? (await ask("Folder for the new app", "my-app")) ?? ".";
      const result = initApp({ dir: target, ...flags });
      // The folder name came from the command line: printed escaped (src/_escape.ts).
      const shown = escapeControls(path.relative(process.cwd(), result.dir) || ".");
      process.stderr.write(`${flags.template ?? "counter"} app in ${shown}:\n`);
      for (const file of result.files)
        process.stdout.write(`  ${file.status.padEnd(11)} ${path.join(shown, file.path)}\n`);
      const kept = result.files.filter((f) => f.status === "kept").length;
      if (kept > 0)
        process.stderr.write(
          `kept ${kept} file(s) that differ from the template; --overwrite replaces them\n`,
        );
      if (result.secretFile)
        process.stderr.write(
          `the session secret is in ${path.join(shown, result.secretFile)} (mode 0600, git-ignored): never commit it; in production set CHERRY_SESSION_SECRET in the environment\n`,
        );
      const quoted = /^[\w./-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, "'\\''")}'`;
      const cd = shown === "." ? "" : `cd ${quoted} && `;
      process.stderr.write(`next: ${cd}npm install && npm run dev\n`);
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
