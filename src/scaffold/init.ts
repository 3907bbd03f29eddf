/**
 * `cherry init`: copies templates/NAME into a folder, renders {{placeholders}}, packs this cherry
 * into the app's vendor/ folder (see _pack.ts) and, with --storage, rewrites the [session] section.
 * It never deletes anything. Into a non-empty folder (--force) it writes new files, leaves identical
 * ones alone and keeps files that differ from the template unless --overwrite (create-vite asks the
 * same question); every file is reported with what happened to it.
 */

import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeFolders } from "../_folders.js";
import { didYouMean } from "../config/_suggest.js";
import { CherryError } from "../errors.js";
import { descriptorOf } from "../sessions/stores/index.js";
import { CHERRY_ROOT, packCherry } from "./_pack.js";
import { INIT_STORAGES, type InitStorage, rewriteSession, secretEnvFile } from "./storage.js";

export const TEMPLATES_DIR = fileURLToPath(new URL("../../templates", import.meta.url));

/** npm drops .gitignore from published packages, so templates ship it as `gitignore`. */
const RENAMES: Record<string, string> = { gitignore: ".gitignore" };

export interface InitOptions {
  dir: string;
  template?: string;
  storage?: string;
  /** Write into a non-empty folder: new files are written, files that differ are kept. */
  force?: boolean;
  /** Like force, and files that differ from the template are replaced. */
  overwrite?: boolean;
}

/** created: new; unchanged: already identical; overwritten: replaced (--overwrite); kept: differs, left as is. */
export type FileStatus = "created" | "unchanged" | "overwritten" | "kept";

export interface InitResult {
  dir: string;
  files: { path: string; status: FileStatus }[];
  /** The git-ignored file holding a generated secret (relative to dir), when one was made. */
  secretFile?: string;
}

interface Output {
  rel: string;
  bytes: Buffer;
  /** File mode for files holding a secret. */
  mode?: number;
}

export function listTemplates(): string[] {
  return readdirSync(TEMPLATES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export function initApp(options: InitOptions): InitResult {
  const template = options.template ?? "counter";
  const storage = validate(template, options.storage);
  const dir = path.resolve(options.dir);
  const force = options.force || options.overwrite;
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory())
      throw new CherryError("E_TARGET_NOT_EMPTY", `${options.dir} exists and is not a folder`);
    const entries = readdirSync(dir).filter((e) => e !== ".git");
    if (entries.length > 0 && !force) {
      throw new CherryError("E_TARGET_NOT_EMPTY", `${options.dir} is not empty (${entries.length} entries)`, {
        hint: "pick a new folder; --force adds the template's files and keeps those you changed, --overwrite replaces them (nothing is ever deleted)",
      });
    }
  }
  const cherry = packCherry();
  const values: Record<string, string> = {
    name: path.basename(dir),
    packageName: packageName(path.basename(dir)),
    cherryTarball: cherry.name,
  };
  const outputs: Output[] = [];
  const source = path.join(TEMPLATES_DIR, template);
  for (const rel of walk(source)) {
    let text = readFileSync(path.join(source, rel), "utf8").replace(
      /\{\{(\w+)\}\}/g,
      (m, key: string) => values[key] ?? m,
    );
    if (rel === "RootServer.cfg" && storage) text = rewriteSession(text, storage);
    if (rel === "package.json" && storage) text = withDriver(text, storage);
    const target = path.join(path.dirname(rel), RENAMES[path.basename(rel)] ?? path.basename(rel));
    outputs.push({ rel: target, bytes: Buffer.from(text) });
  }
  outputs.push({ rel: path.join("vendor", cherry.name), bytes: cherry.bytes });
  const secret = storage ? secretEnvFile(storage) : undefined;
  if (secret) outputs.push({ rel: ".env", bytes: Buffer.from(secret), mode: 0o600 });
  const files = outputs.map((o) => ({ path: o.rel, status: write(dir, o, Boolean(options.overwrite)) }));
  return { dir, files, secretFile: secret ? ".env" : undefined };
}

/**
 * The app's package.json with the store's database driver among its dependencies, at the range
 * cherry declares it as an optional peer dependency (package.json): cherry installs no driver
 * itself, so an app that keeps sessions in RAM installs none (README, "Dependencies and why").
 */
function withDriver(packageJson: string, storage: InitStorage): string {
  const driver = descriptorOf(storage)?.driver;
  if (!driver) return packageJson;
  const own = JSON.parse(readFileSync(path.join(CHERRY_ROOT, "package.json"), "utf8")) as {
    peerDependencies?: Record<string, string>;
  };
  const range = own.peerDependencies?.[driver];
  if (!range) throw new Error(`cherry's package.json declares no peer dependency on ${driver}`);
  const app = JSON.parse(packageJson) as { dependencies?: Record<string, string> };
  app.dependencies = { ...app.dependencies, [driver]: range };
  return `${JSON.stringify(app, null, 2)}\n`;
}

function validate(template: string, storage: string | undefined): InitStorage | undefined {
  const templates = listTemplates();
  if (!templates.includes(template)) {
    throw new CherryError(
      "E_TEMPLATE",
      `unknown template "${template}"${didYouMean(template, templates)} (expected one of ${templates.join(", ")})`,
    );
  }
  if (storage !== undefined && !INIT_STORAGES.includes(storage as InitStorage)) {
    throw new CherryError(
      "E_TEMPLATE",
      `unknown storage "${storage}"${didYouMean(storage, INIT_STORAGES)} (expected one of ${INIT_STORAGES.join(", ")})`,
    );
  }
  if (storage && template === "custom-store") {
    throw new CherryError(
      "E_TEMPLATE",
      "--storage does not apply to the custom-store template: its store is its own code",
      { hint: "use -t counter --storage sqlite for SQLite sessions without code" },
    );
  }
  return storage as InitStorage | undefined;
}

function write(dir: string, output: Output, overwrite: boolean): FileStatus {
  const target = path.join(dir, output.rel);
  let status: FileStatus = "created";
  if (existsSync(target)) {
    if (readFileSync(target).equals(output.bytes)) return "unchanged";
    if (!overwrite) return "kept";
    status = "overwritten";
  }
  makeFolders(path.dirname(target));
  writeFileSync(target, output.bytes, output.mode === undefined ? undefined : { mode: output.mode });
  // writeFileSync's mode applies only to a new file: an overwritten one gets it here.
  if (output.mode !== undefined) chmodSync(target, output.mode);
  return status;
}

/**
 * A name npm accepts for the folder's name (lowercase, no spaces, no leading dot or underscore;
 * npm's validate-npm-package-name rules), as create-vite's toValidPackageName does: `npm install`
 * refuses a package.json named "My App".
 */
export function packageName(folder: string): string {
  const name = folder
    .trim()
    .toLowerCase()
    .replace(/\s+/g, "-")
    .replace(/^[._]+/, "")
    .replace(/[^a-z\d\-~._]+/g, "-")
    .slice(0, 214);
  return name || "cherry-app";
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
