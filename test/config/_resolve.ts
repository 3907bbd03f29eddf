import path from "node:path";
import { expect } from "vitest";
import { parseIni } from "../../src/config/parse.js";
import { resolveConfig } from "../../src/config/resolve.js";
import type { FlagValues } from "../../src/config/types.js";

/** Resolves a RootServer.cfg text as if it lived in `dir` (default /srv/app). */
export const SECRET = "0123456789abcdef0123456789abcdef";

export function resolve(
  text: string,
  options: { env?: NodeJS.ProcessEnv; flags?: FlagValues; dir?: string } = {},
) {
  const dir = options.dir ?? "/srv/app";
  return resolveConfig(parseIni(text), {
    file: path.join(dir, "RootServer.cfg"),
    displayName: "RootServer.cfg",
    env: options.env ?? {},
    flags: options.flags,
  });
}

export function ok(text: string, options?: Parameters<typeof resolve>[1]) {
  const result = resolve(text, options);
  expect(result.problems).toEqual([]);
  if (!result.config) throw new Error("no config");
  return result.config;
}

export function problems(text: string, options?: Parameters<typeof resolve>[1]) {
  const result = resolve(text, options);
  expect(result.config).toBeUndefined();
  return result.problems;
}
