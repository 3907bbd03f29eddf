/**
 * A `.env` file beside RootServer.cfg supplies CHERRY_<SECTION>_<KEY> settings that the real
 * environment does not set, as vite and next dev read theirs: a secret can live in a git-ignored
 * file next to the committed config (`cherry init --storage cookie` puts the cookie key there).
 * Only CHERRY_ lines are taken, and process.env is never modified. Syntax: Node's util.parseEnv
 * (the format of `node --env-file`).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";

export const DOTENV = ".env";

/** The CHERRY_* entries of `.env` in `configDir`; {} when there is no such file. */
export function readDotenv(configDir: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path.join(configDir, DOTENV), "utf8");
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parseEnv(text)))
    if (name.startsWith("CHERRY_") && value !== undefined) out[name] = value;
  return out;
}
