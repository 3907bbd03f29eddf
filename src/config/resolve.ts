/**
 * Turns a parsed RootServer.cfg into a frozen CherryConfig. Precedence, lowest first:
 *   1. defaults from SCHEMA
 *   2. RootServer.cfg
 *   3. environment: CHERRY_<SECTION>_<KEY> (case and underscores ignored in KEY)
 *   4. command-line flags
 * Every problem is collected with its origin (file:line, env var or flag) before failing once.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { coerce } from "./_coerce.js";
import { embeddedSecrets, entryHint, gotLine } from "./_echo.js";
import { readValue } from "./_interpolate.js";
import { detectLaterFormat } from "./_later.js";
import { validateRules } from "./_rules.js";
import { didYouMean } from "./_suggest.js";
import type { IniEntry, IniProblem, ParsedIni } from "./parse.js";
import { scrub, secretFragments } from "./redact.js";
import { isSecretName, keysOf, SCHEMA, SECTIONS, specOf, type Value } from "./schema.js";
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
  /** Every secret value the file, env and flags hold, as `scrub()` fragments (for `guardOutput()`). */
  fragments: string[];
}

const ENV_PREFIX = /^CHERRY_(SERVER|SESSION)_(.+)$/;

/**
 * A secret interpolated into a key whose value is printed (a path, a cookie name, a mount) would be
 * printed with it, so it is refused (SECURITY.md, "No secret is ever printed").
 */
const SECRET_PULLED =
  "%(name)s pulls a secret (secret, siteKey or a storageUrl password) into a key whose value is shown in output (expected the value written out literally)";

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

  const fragments = fileSecrets(parsed);
  const values = new Map<string, Value>(SCHEMA.map((s) => [`${s.section}.${s.key}`, s.default]));
  const sources = new Map<string, Source>(SCHEMA.map((s) => [`${s.section}.${s.key}`, { kind: "default" }]));
  /** Keys whose value could not be read: rules that use them stay silent (one error, not two). */
  const failed = new Set<string>();
  /** Keys whose value was built from a secret by interpolation: messages show their length only. */
  const tainted = new Set<string>();
  const apply = (section: string, key: string, raw: string, source: Source, secret = false) => {
    const spec = specOf(section, key);
    if (!spec) return;
    const result = coerce(spec, raw);
    if (!result.ok) {
      const hidden = spec.type === "secret" || secret || embeddedSecrets(raw).length > 0;
      const shown = hidden
        ? `${raw.length} characters, not shown: the value may hold a secret`
        : JSON.stringify(raw);
      const hint =
        spec.type === "enum" && !hidden ? didYouMean(raw.trim(), spec.values?.filter(Boolean) ?? []) : "";
      report(source, section, spec.key, `expected ${result.expected}, got ${shown}${hint}`);
      failed.add(`${section}.${spec.key}`);
      return;
    }
    values.set(`${section}.${spec.key}`, result.value);
    if (secret) tainted.add(`${section}.${spec.key}`);
    else tainted.delete(`${section}.${spec.key}`);
    sources.set(`${section}.${spec.key}`, source);
    if (spec.ignored && source.kind !== "default")
      notes.push(`${where(source)}: [${section}] ${spec.key}: ${spec.ignored}`);
  };

  // A line naming a secret key that the parser could not read already has its error: the rules
  // about a missing secret stay silent (one error per mistake).
  for (const p of parsed.problems) {
    const name = /^[^\s=:]*/.exec(p.text ?? p.key ?? "")?.[0] ?? "";
    if (name !== "" && isSecretName(name))
      failed.add(`${p.section ?? "session"}.${specOf(p.section ?? "session", name)?.key ?? "secret"}`);
  }
  const later = detectLaterFormat(parsed, displayName);
  if (later) problems.push({ line: later.line, text: `${displayName}:${later.line}: ${later.message}` });
  for (const p of parsed.problems) reportParseProblem(p, displayName, problems);

  const fileSource = (entry: { line: number; key?: string }, canonical?: string): Source => ({
    kind: "file",
    file,
    line: entry.line,
    ...(canonical && entry.key && entry.key !== canonical ? { spelled: entry.key } : {}),
  });
  const staticContent: StaticMount[] = [];
  for (const section of parsed.sections) {
    if (later?.sections.has(section)) continue;
    const entries = section.entries.filter((e) => !later?.entries.has(e));
    const read = (entry: IniEntry) => readValue(entry, section, parsed.defaults);
    if (section.name === "staticContent") {
      const mapped: { key: string; value: string; line: number }[] = [];
      for (const entry of entries) {
        const value = read(entry);
        if (isSecretName(entry.name))
          report(
            fileSource(entry),
            "staticContent",
            "(a secret key)",
            `${entry.key.length}-character key that names a secret in [staticContent], which maps URL prefixes to folders (expected it under [session]; value not shown)`,
          );
        else if (!value.ok) report(fileSource(entry), "staticContent", entry.key, value.message);
        else if (value.secret) report(fileSource(entry), "staticContent", entry.key, SECRET_PULLED);
        else mapped.push({ key: entry.key, value: value.value, line: entry.line });
      }
      collectStatic(mapped, dir, staticContent, (line, key, message) =>
        report({ kind: "file", file, line }, "staticContent", key, message),
      );
      continue;
    }
    if (!SECTIONS.includes(section.name as never)) {
      report(
        fileSource(section),
        section.name,
        undefined,
        `unknown section (expected one of [DEFAULT], [server], [session], [staticContent], [cache]; section names are case-sensitive)${didYouMean(section.name, ["DEFAULT", ...SECTIONS])}`,
      );
      continue;
    }
    const known = keysOf(section.name);
    const own = new Set(entries.map((e) => e.name));
    // [DEFAULT] entries are options of every section (ConfigParser's has_option/get saw them).
    const inherited = (parsed.defaults?.entries ?? []).filter(
      (e) => !own.has(e.name) && specOf(section.name, e.name) !== undefined,
    );
    for (const entry of [...entries, ...inherited]) {
      const spec = specOf(section.name, entry.name);
      if (!spec) {
        report(fileSource(entry), section.name, entry.key, `unknown key${didYouMean(entry.key, known)}`);
        continue;
      }
      const value = read(entry);
      if (!value.ok) {
        report(fileSource(entry), section.name, spec.key, value.message);
        failed.add(`${section.name}.${spec.key}`);
        continue;
      }
      if (value.secret && spec.type !== "secret") {
        report(fileSource(entry), section.name, spec.key, SECRET_PULLED);
        failed.add(`${section.name}.${spec.key}`);
        continue;
      }
      if (value.value.includes("\n") && spec.type !== "secret") {
        report(
          fileSource(entry),
          section.name,
          spec.key,
          `continuation lines (to line ${entry.lastLine}) made the value span several lines (expected one line; only secret and siteKey take a list over lines)`,
        );
        failed.add(`${section.name}.${spec.key}`);
        continue;
      }
      if (entry.comment !== undefined && (spec.type === "secret" || isSecretName(entry.name))) {
        notes.push(
          `${displayName}:${entry.line}: [${section.name}] ${spec.key}: the value was cut at " ;" (an inline comment, as in ConfigParser), dropping ${entry.comment.length} characters; if they belong to the value, remove the space before the ";"`,
        );
      }
      apply(section.name, spec.key, value.value, fileSource(entry, spec.key), value.secret);
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
  for (const [name, raw] of Object.entries(options.env ?? {})) {
    if (raw && ENV_PREFIX.test(name) && isSecretName(name.replace(ENV_PREFIX, "$2").replaceAll("_", "")))
      fragments.push(...secretFragments(raw));
  }

  for (const [id, given] of Object.entries(options.flags ?? {})) {
    if (!given) continue;
    const [section, key] = id.split(".");
    apply(section, key, given.value, { kind: "flag", name: given.flag });
    if (specOf(section, key)?.type === "secret") fragments.push(...secretFragments(given.value));
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
    session: inMilliseconds(pick("session")),
    staticContent,
    cache: pick("cache"),
    sources,
    notes,
  };
  validateRules(
    config,
    (id, message) => {
      const [section, key] = id.split(".");
      report(sources.get(id) ?? { kind: "default" }, section, key, message);
    },
    failed,
    tainted,
  );
  if (/(^|,)\s*xmlRpc\s*(,|$)/.test(config.server.typeOfRequests)) {
    const source = sources.get("server.typeOfRequests") ?? { kind: "default" };
    notes.push(
      `${where(source)}: [server] typeOfRequests: xmlRpc ignored: cherry serves web requests only (no XML-RPC)`,
    );
  }
  for (const mount of staticContent) {
    // A mount is a folder or, as in CherryPy 2.0's own static test, one file.
    if (!existsSync(mount.dir)) {
      notes.push(
        `${displayName}:${mount.line}: [staticContent] ${mount.prefix.slice(1)}: ${mount.dir} does not exist yet`,
      );
    }
  }
  fragments.sort((a, b) => b.length - a.length);
  notes.splice(0, notes.length, ...notes.map((n) => scrub(n, fragments)));
  if (problems.length > 0) {
    return {
      problems: problems.sort((a, b) => a.line - b.line).map((p) => scrub(p.text, fragments)),
      fragments,
    };
  }
  return { config: deepFreeze(config), problems: [], fragments };
}

function reportParseProblem(
  p: IniProblem,
  displayName: string,
  problems: { line: number; text: string }[],
): void {
  const subject = p.section ? (p.key ? ` [${p.section}] ${p.key}:` : ` [${p.section}]:`) : "";
  const message =
    p.text === undefined
      ? p.message
      : `${p.message.replace(/\)$/, "")}, ${gotLine(p.text)})${entryHint(p.text)}`;
  problems.push({ line: p.line, text: `${displayName}:${p.line}:${subject} ${message}` });
}

/** Every secret written in the file, under any spelling or section, as fragments to scrub. */
function fileSecrets(parsed: ParsedIni): string[] {
  const out: string[] = [];
  for (const section of [...parsed.sections, ...(parsed.defaults ? [parsed.defaults] : [])]) {
    for (const entry of section.entries) {
      if (isSecretName(entry.name)) out.push(...secretFragments(entry.value));
      else for (const tail of embeddedSecrets(entry.value)) out.push(...secretFragments(tail));
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry.value)) out.push(...secretFragments(entry.value));
    }
  }
  for (const problem of parsed.problems) {
    if (problem.text === undefined) continue;
    const name = /^[^\s=:]*/.exec(problem.text)?.[0] ?? "";
    if (isSecretName(name))
      out.push(...secretFragments(problem.text.slice(name.length).replace(/^[\s=:]+/, "")));
    for (const tail of embeddedSecrets(problem.text)) out.push(...secretFragments(tail));
  }
  return out;
}

function collectStatic(
  entries: readonly { key: string; value: string; line: number }[],
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
      report(entry.line, entry.key, 'expected a folder or file to serve (e.g. "static"), got ""');
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

/** The session durations in ms as well, so that nothing after resolving multiplies minutes. */
function inMilliseconds(session: Omit<SessionConfig, "timeoutMs" | "cleanUpDelayMs">): SessionConfig {
  const minute = 60_000;
  return { ...session, timeoutMs: session.timeout * minute, cleanUpDelayMs: session.cleanUpDelay * minute };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !(value instanceof Map)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
