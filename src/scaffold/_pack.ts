/**
 * The cherry a scaffolded app runs (`npm run dev` calls `cherry serve` from the app's node_modules)
 * is the very cherry that scaffolded it, packed into the app's `vendor/` folder. Why a tarball:
 * "cherry" on the npm registry is another project (a CSS framework), so a version range would
 * install the wrong package; and a `file:` path to this checkout would tie the app to one machine's
 * folders (a committed or moved app would stop installing, and the path leaks the author's home).
 *
 * The tarball holds what `npm pack` would (package.json's "files", package.json, README and
 * LICENSE, under `package/`), written with node-tar, the library npm itself packs and unpacks with.
 * Spawning `npm pack` instead cost 0.7 s per `cherry init` on an idle machine and several seconds
 * under load. Entries are sorted and carry one fixed date (npm's own), so the same cherry packs to
 * the same bytes and `init --force` can tell an unchanged vendor/ tarball from a different one.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { create } from "tar";
import { CherryError } from "../errors.js";

/** The folder holding cherry's package.json (a checkout, or node_modules/cherry once installed). */
export const CHERRY_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The date npm gives every entry of a packed tarball (npm/pacote), for reproducible bytes. */
const NPM_MTIME = new Date("1985-10-26T08:15:00.000Z");

/** Never packed, as npm's built-in ignore rules (npm-packlist). */
const IGNORED = new Set([".git", "node_modules", ".DS_Store", ".npmrc", "npm-debug.log", ".cherry-tmp"]);

export interface PackedCherry {
  /** The tarball's file name, as npm names it: `cherry-0.1.0.tgz`. */
  name: string;
  bytes: Buffer;
}

/** Packs cherry's own folder; throws E_SCAFFOLD when its package.json or a listed file is missing. */
export function packCherry(root = CHERRY_ROOT): PackedCherry {
  let pkg: { name: string; version: string; files?: string[] };
  try {
    pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  } catch (error) {
    throw new CherryError("E_SCAFFOLD", `cannot read cherry's own package.json in ${root}`, { cause: error });
  }
  const files = packList(root, pkg.files ?? []);
  // node-tar streams; its synchronous mode with no `file` is not offered, so the uncompressed
  // tar is collected from the stream's chunks (sync: true makes them arrive before this returns).
  const chunks: Buffer[] = [];
  const stream = create(
    { cwd: root, prefix: "package", portable: true, mtime: NPM_MTIME, sync: true },
    files,
  );
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  stream.resume();
  const name = `${pkg.name.replace(/^@/, "").replace("/", "-")}-${pkg.version}.tgz`;
  return { name, bytes: gzipSync(Buffer.concat(chunks), { level: 9 }) };
}

/** package.json's "files" (folders walked), plus the files npm always includes; sorted. */
function packList(root: string, listed: string[]): string[] {
  const out = new Set<string>(["package.json"]);
  for (const name of readdirSync(root)) if (/^(readme|license|licence)(\..*)?$/i.test(name)) out.add(name);
  const add = (rel: string) => {
    const base = path.basename(rel);
    if (IGNORED.has(base) || base.endsWith(".orig")) return;
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path.join(root, rel));
    } catch (error) {
      throw new CherryError("E_SCAFFOLD", `cannot pack cherry: ${rel} is missing in ${root}`, {
        cause: error,
        hint: "in a checkout of cherry, run `npm run build` first",
      });
    }
    if (stat.isDirectory()) for (const entry of readdirSync(path.join(root, rel))) add(path.join(rel, entry));
    else out.add(rel.split(path.sep).join("/"));
  };
  for (const entry of listed) add(entry.replace(/^\.?\//, "").replace(/\/$/, ""));
  return [...out].sort();
}
