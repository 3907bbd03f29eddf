/**
 * `cherry init`: copies templates/NAME into a folder, renders {{placeholders}} and, with --storage,
 * rewrites the [session] section. It never deletes anything; a non-empty folder needs --force.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CherryError } from "../errors.js";
import { INIT_STORAGES, type InitStorage, rewriteSession } from "./storage.js";

export const TEMPLATES_DIR = fileURLToPath(new URL("../../templates", import.meta.url));
const TYPES_ENTRY = fileURLToPath(new URL("../index.d.ts", import.meta.url));

/** npm drops .gitignore from published packages, so templates ship it as `gitignore`. */
const RENAMES: Record<string, string> = { gitignore: ".gitignore" };

export interface InitOptions {
  dir: string;
  template?: string;
  storage?: string;
  force?: boolean;
}

export interface InitResult {
  dir: string;
  files: string[];
}

export function listTemplates(): string[] {
  return readdirSync(TEMPLATES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export function initApp(options: InitOptions): InitResult {
  const template = options.template ?? "counter";
  const templates = listTemplates();
  if (!templates.includes(template)) {
    throw new CherryError(
      "E_TEMPLATE",
      `unknown template "${template}" (expected one of ${templates.join(", ")})`,
    );
  }
  if (options.storage !== undefined && !INIT_STORAGES.includes(options.storage as InitStorage)) {
    throw new CherryError(
      "E_TEMPLATE",
      `unknown storage "${options.storage}" (expected one of ${INIT_STORAGES.join(", ")})`,
    );
  }
  if (options.storage && template === "custom-store") {
    throw new CherryError(
      "E_TEMPLATE",
      "--storage does not apply to the custom-store template: its store is its own code",
      {
        hint: "use -t counter --storage sqlite for SQLite sessions without code",
      },
    );
  }
  const dir = path.resolve(options.dir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory())
      throw new CherryError("E_TARGET_NOT_EMPTY", `${options.dir} exists and is not a folder`);
    const entries = readdirSync(dir).filter((e) => e !== ".git");
    if (entries.length > 0 && !options.force) {
      throw new CherryError("E_TARGET_NOT_EMPTY", `${options.dir} is not empty (${entries.length} entries)`, {
        hint: "pick a new folder, or pass --force to write the template's files over it (nothing is deleted)",
      });
    }
  }
  const source = path.join(TEMPLATES_DIR, template);
  const values: Record<string, string> = {
    name: path.basename(dir),
    cherryTypes: TYPES_ENTRY,
  };
  const files: string[] = [];
  for (const rel of walk(source)) {
    const target = path.join(dir, path.dirname(rel), RENAMES[path.basename(rel)] ?? path.basename(rel));
    let text = readFileSync(path.join(source, rel), "utf8").replace(
      /\{\{(\w+)\}\}/g,
      (m, key: string) => values[key] ?? m,
    );
    if (rel === "RootServer.cfg" && options.storage)
      text = rewriteSession(text, options.storage as InitStorage);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
    // A config holding a secret is readable by its owner only.
    if (rel === "RootServer.cfg" && /^\s*secret\s*=/m.test(text)) chmodSync(target, 0o600);
    files.push(path.relative(dir, target));
  }
  return { dir, files };
}

function walk(root: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.name === "node_modules") continue;
    if (entry.isDirectory()) out.push(...walk(root, rel));
    else out.push(rel);
  }
  return out.sort();
}
