import { readFileSync } from "node:fs";
import path from "node:path";
import { CherryError } from "../errors.js";
import { readDotenv } from "./_dotenv.js";
import { textSecrets } from "./_echo.js";
import { guardOutput } from "./_guard.js";
import { parseIni } from "./parse.js";
import { resolveConfig } from "./resolve.js";
import type { CherryConfig, FlagValues } from "./types.js";

export interface LoadConfigOptions {
  /** The `-c` value as typed; defaults to ./RootServer.cfg. */
  configPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  flags?: FlagValues;
}

export const DEFAULT_CONFIG = "RootServer.cfg";

export function configLocation(options: LoadConfigOptions): { file: string; displayName: string } {
  const displayName = options.configPath ?? DEFAULT_CONFIG;
  return { file: path.resolve(options.cwd ?? process.cwd(), displayName), displayName };
}

/** Reads, parses and resolves RootServer.cfg; throws one CherryError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): CherryConfig {
  const { file, displayName } = configLocation(options);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === "ENOENT" ? "not found" : code === "EISDIR" ? "is a folder" : `unreadable (${code})`;
    throw new CherryError("E_CONFIG_NOT_FOUND", `config file ${displayName} ${what}`, {
      cause: error,
      hint: code === "ENOENT" ? "pass -c FILE, or run `cherry init` to create an app" : undefined,
    });
  }
  const result = resolveConfig(parseIni(text), {
    file,
    displayName,
    env: { ...readDotenv(path.dirname(file)), ...(options.env ?? process.env) },
    flags: options.flags,
  });
  guardOutput([...result.fragments, ...textSecrets(text)]);
  if (!result.config) {
    const count = result.problems.length;
    throw new CherryError(
      "E_CONFIG_INVALID",
      `${origins(result.problems, displayName)}: ${count} problem${count === 1 ? "" : "s"}`,
      {
        details: result.problems,
      },
    );
  }
  return result.config;
}

/** What the headline blames: the file, a flag or an environment variable, as the problems say. */
function origins(problems: string[], displayName: string): string {
  const named = problems.map((p) => /^(flag \S+|env \S+):/.exec(p)?.[1] ?? displayName);
  return [...new Set(named)].join(", ");
}
