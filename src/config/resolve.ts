/**
 * Turns a parsed RootServer.cfg into a frozen CherryConfig. Precedence, lowest first:
 *   1. defaults from SCHEMA
 *   2. RootServer.cfg
 *   3. environment: CHERRY_<SECTION>_<KEY> (case and underscores ignored in KEY)
 *   4. command-line flags
 * Every problem is collected with its origin (file:line, env var or flag) before failing once.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { coerce } from "./_coerce.js";
import { validateRules } from "./_rules.js";
import { didYouMean } from "./_suggest.js";
import type { IniProblem, ParsedIni } from "./parse.js";
import { keysOf, SCHEMA, SECTIONS, specOf, type Value } from "./schema.js";
import type { CherryConfig, FlagValues, SessionConfig, Source, StaticMount } from "./types.js";

export interface ResolveOptions {
  /** Absolute path of the config file. */
  file: string;
  /** How the file is named in messages (the path the user typed). */
  displayName: string;
  env?: NodeJS.ProcessEnv;
  flags?: FlagValues;
}

export interface ResolveResult {
  config?: CherryConfig;
  /** Formatted `file:line: [section] key: message` lines. */
  problems: string[];
}

const ENV_PREFIX = /^CHERRY_(SERVER|SESSION)_(.+)$/;

export function resolveConfig(parsed: ParsedIni, options: ResolveOptions): ResolveResult {
  const { file, displayName } = options;
  const dir = path.dirname(file);
  const problems: { line: number; text: string }[] = [];
  const notes: string[] = [];
  const where = (source: Source): string => {
    if (source.kind === "file") return `${displayName}:${source.line}`;
    if (source.kind === "env") return `env ${source.name}`;
    if (source.kind === "flag") return `flag ${source.name}`;
    return `${displayName}`;
  };
  const report = (source: Source, section: string | undefined, key: string | undefined, message: string) => {
    const subject = section ? (key ? ` [${section}] ${key}:` : ` [${section}]:`) : "";
    const line = source.kind === "file" ? source.line : Number.POSITIVE_INFINITY;
    problems.push({ line, text: `${where(source)}:${subject} ${message}` });
  };

  const values = new Map<string, Value>(SCHEMA.map((s) => [`${s.section}.${s.key}`, s.default]));
  const sources = new Map<string, Source>(SCHEMA.map((s) => [`${s.section}.${s.key}`, { kind: "default" }]));
  const apply = (section: string, key: string, raw: string, source: Source) => {
    const spec = specOf(section, key);
    if (!spec) return;
    const result = coerce(spec, raw);
    if (!result.ok) {
      const shown = spec.type === "secret" ? `${raw.length} characters` : `"${raw}"`;
      report(source, section, key, `expected ${result.expected}, got ${shown}`);
      return;
    }
    values.set(`${section}.${key}`, result.value);
    sources.set(`${section}.${key}`, source);
    if (spec.ignored && source.kind !== "default")
      notes.push(`${where(source)}: [${section}] ${key}: ${spec.ignored}`);
  };

  for (const p of parsed.problems) reportParseProblem(p, displayName, problems);

  const staticContent: StaticMount[] = [];
  for (const section of parsed.sections) {
    const fileSource = (line: number): Source => ({ kind: "file", file, line });
    if (section.name === "staticContent") {
      collectStatic(section.entries, dir, staticContent, (line, key, message) =>
        report(fileSource(line), "staticContent", key, message),
      );
      continue;
    }
    if (!SECTIONS.includes(section.name as never)) {
      report(
        fileSource(section.line),
        section.name,
        undefined,
        `unknown section (expected one of [server], [session], [staticContent])${didYouMean(section.name, SECTIONS)}`,
      );
      continue;
    }
    const known = keysOf(section.name);
    for (const entry of section.entries) {
      if (!known.includes(entry.key)) {
        report(fileSource(entry.line), section.name, entry.key, `unknown key${didYouMean(entry.key, known)}`);
        continue;
      }
      apply(section.name, entry.key, entry.value, fileSource(entry.line));
    }
  }

  for (const [name, raw] of Object.entries(options.env ?? {})) {
    const match = ENV_PREFIX.exec(name);
    if (!match || raw === undefined) continue;
    const section = match[1].toLowerCase();
    const wanted = match[2].replaceAll("_", "").toLowerCase();
    const key = keysOf(section).find((k) => k.toLowerCase() === wanted);
    if (!key) {
      const envNames = keysOf(section).map((k) => `CHERRY_${match[1]}_${k.toUpperCase()}`);
      report(
        { kind: "env", name },
        section,
        undefined,
        `unknown setting ${name}${didYouMean(name, envNames)}`,
      );
      continue;
    }
    apply(section, key, raw, { kind: "env", name });
  }

  for (const [id, given] of Object.entries(options.flags ?? {})) {
    if (!given) continue;
    const [section, key] = id.split(".");
    apply(section, key, given.value, { kind: "flag", name: given.flag });
  }

  for (const spec of SCHEMA) {
    const id = `${spec.section}.${spec.key}`;
    const value = values.get(id);
    if (spec.type === "path" && typeof value === "string" && value !== "")
      values.set(id, path.resolve(dir, value));
  }

  const pick = (section: string) =>
    Object.fromEntries(keysOf(section).map((k) => [k, values.get(`${section}.${k}`)])) as never;
  const config: CherryConfig = {
    file,
    dir,
    server: pick("server"),
    session: pick("session") as SessionConfig,
    staticContent,
    sources,
    notes,
  };
  validateRules(config, (id, message) => {
    const [section, key] = id.split(".");
    report(sources.get(id) ?? { kind: "default" }, section, key, message);
  });
  for (const mount of staticContent) {
    if (!existsSync(mount.dir) || !statSync(mount.dir).isDirectory()) {
      notes.push(
        `${displayName}:${mount.line}: [staticContent] ${mount.prefix.slice(1)}: folder ${mount.dir} does not exist yet`,
      );
    }
  }
  if (problems.length > 0) {
    return { problems: problems.sort((a, b) => a.line - b.line).map((p) => p.text) };
  }
  return { config: deepFreeze(config), problems: [] };
}

function reportParseProblem(
  p: IniProblem,
  displayName: string,
  problems: { line: number; text: string }[],
): void {
  const subject = p.section ? (p.key ? ` [${p.section}] ${p.key}:` : ` [${p.section}]:`) : "";
  problems.push({ line: p.line, text: `${displayName}:${p.line}:${subject} ${p.message}` });
}

function collectStatic(
  entries: { key: string; value: string; line: number }[],
  dir: string,
  out: StaticMount[],
  report: (line: number, key: string, message: string) => void,
): void {
  for (const entry of entries) {
    const trimmed = entry.key.replace(/^\/+|\/+$/g, "");
    const prefix = `/${trimmed}`;
    if (trimmed === "" || trimmed.split("/").some((s) => s === "" || s === "." || s === "..")) {
      report(
        entry.line,
        entry.key,
        `expected a URL prefix such as "static" or "/static/css", got "${entry.key}"`,
      );
      continue;
    }
    if (entry.value === "") {
      report(entry.line, entry.key, 'expected a folder to serve (e.g. "static"), got ""');
      continue;
    }
    const same = out.find((m) => m.prefix === prefix);
    if (same) {
      report(entry.line, entry.key, `prefix ${prefix} is already served (line ${same.line})`);
      continue;
    }
    out.push({ prefix, dir: path.resolve(dir, entry.value), line: entry.line });
  }
  out.sort((a, b) => b.prefix.length - a.prefix.length);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !(value instanceof Map)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
