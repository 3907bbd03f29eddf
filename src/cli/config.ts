import type { Command } from "commander";
import { escapeControls } from "../_escape.js";
import { type CherryConfig, loadConfig, SCHEMA, type Source } from "../config/index.js";
import { describeSecret, redact } from "../config/redact.js";
import { createLogger } from "../log.js";
import { registerConfigEdit } from "./config-edit.js";

interface ConfigFlags {
  config?: string;
  json?: boolean;
}

export function registerConfig(program: Command): void {
  const config = program.command("config").description("validate, explain and edit RootServer.cfg");
  config
    .command("check")
    .description("validate RootServer.cfg: every problem with file:line (exit 0 or 2)")
    .option("-c, --config <file>", "config file (default: ./RootServer.cfg)")
    .action((flags: ConfigFlags) => {
      const resolved = loadConfig({ configPath: flags.config });
      printNotes(resolved);
      const store = resolved.session.storageType || "off";
      process.stdout.write(`${flags.config ?? "RootServer.cfg"}: ok (sessions: ${store})\n`);
    });
  config
    .command("show")
    .description("every key's effective value, where it came from and what it means")
    .option("-c, --config <file>", "config file (default: ./RootServer.cfg)")
    .option("--json", "machine-readable output on stdout")
    .action((flags: ConfigFlags) => {
      const resolved = loadConfig({ configPath: flags.config });
      printNotes(resolved);
      const rows = describeConfig(resolved, flags.config ?? "RootServer.cfg");
      if (flags.json) {
        process.stdout.write(
          `${escapeControls(JSON.stringify(toJson(rows, resolved), null, 2), { keepNewlines: true })}\n`,
        );
        return;
      }
      const width = Math.max(...rows.map((r) => r.name.length));
      for (const row of rows) {
        process.stdout.write(
          `${escapeControls(`${row.name.padEnd(width)}  = ${JSON.stringify(row.value)}  (${row.source})`)}\n`,
        );
        process.stdout.write(`${" ".repeat(width)}    ${row.doc}\n`);
      }
      for (const mount of resolved.staticContent) {
        process.stdout.write(
          `${escapeControls(`[staticContent] ${mount.prefix} -> ${mount.dir}  (${flags.config ?? "RootServer.cfg"}:${mount.line})`)}\n`,
        );
      }
    });
  registerConfigEdit(config);
}

function printNotes(config: CherryConfig): void {
  const log = createLogger({ scope: "config" });
  for (const note of config.notes) log.warn(note);
}

interface Row {
  section: string;
  key: string;
  name: string;
  value: unknown;
  source: string;
  /** What the key means (and why it is ignored, for 0.10 keys cherry accepts without effect). */
  doc: string;
}

/** One row a key, secrets never printed: a secret shows its length, a URL hides its password. */
export function describeConfig(config: CherryConfig, displayName: string): Row[] {
  return SCHEMA.map((spec) => {
    const id = `${spec.section}.${spec.key}`;
    let value: unknown = (config as unknown as Record<string, Record<string, unknown>>)[spec.section][
      spec.key
    ];
    if (spec.type === "secret" && typeof value === "string" && value !== "") {
      value =
        spec.key === "storageUrl" && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)
          ? redact(value)
          : describeSecret(value);
    }
    return {
      section: spec.section,
      key: spec.key,
      name: `[${spec.section}] ${spec.key}`,
      value,
      source: describeSource(config.sources.get(id), displayName),
      doc: spec.ignored ? `${spec.doc} (${spec.ignored})` : spec.doc,
    };
  });
}

export function describeSource(source: Source | undefined, displayName: string): string {
  if (!source || source.kind === "default") return "default";
  if (source.kind === "file") {
    return `${displayName}:${source.line}${source.spelled ? `, written ${source.spelled}` : ""}`;
  }
  if (source.kind === "env") return `env ${source.name}`;
  return `flag ${source.name}`;
}

function toJson(rows: Row[], config: CherryConfig) {
  const out: Record<string, unknown> = { file: config.file };
  for (const row of rows) {
    out[row.section] ??= {};
    (out[row.section] as Record<string, unknown>)[row.key] = {
      value: row.value,
      source: row.source,
      doc: row.doc,
    };
  }
  out.staticContent = config.staticContent.map((m) => ({ prefix: m.prefix, dir: m.dir, line: m.line }));
  return out;
}
