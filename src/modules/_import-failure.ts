/**
 * An app's packages stay external to its bundle (loader.ts), so a package that is not installed
 * fails when Node imports the bundle, with "Cannot find package 'x' imported from
 * …/node_modules/.cache/cherry/app-….mjs": a path the user never wrote. This names the user's file
 * and line that imports the package and the command that fixes it (`npm install` when package.json
 * lists it, `npm install x` when it does not; `npm rebuild x` when a native addon was built for
 * another Node), in the project folder.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export interface ImportFailure {
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** esbuild's metafile inputs: each source file (relative to the working folder) and its imports. */
export type MetafileInputs = Record<string, { imports: { path: string; external?: boolean }[] }>;

const NOT_FOUND = /Cannot find (?:package|module) '([^']+)'/;

/** Explains `error` when it is a missing or unloadable package; undefined for any other error. */
export function explainImportFailure(
  error: unknown,
  projectDir: string,
  inputs: MetafileInputs,
): ImportFailure | undefined {
  const err = error as NodeJS.ErrnoException;
  const text = String(err?.message ?? "");
  const missing = err?.code === "ERR_MODULE_NOT_FOUND" ? NOT_FOUND.exec(text)?.[1] : undefined;
  const native = err?.code === "ERR_DLOPEN_FAILED" ? nativePackage(text) : undefined;
  const wanted = missing ? packageOf(missing, inputs) : native;
  if (!wanted) return undefined;
  const where = importer(wanted, inputs);
  const inFolder = path.relative(process.cwd(), projectDir);
  const run = (command: string) => `run \`${inFolder ? `cd ${inFolder} && ` : ""}${command}\``;
  if (native) {
    const first = text.split("\n")[0];
    return {
      ...where,
      message: `package "${wanted}" has a native addon that does not load under Node ${process.version} (${first}); ${run(`npm rebuild ${wanted}`)}`,
    };
  }
  const listed = listedInPackageJson(projectDir, wanted);
  return {
    ...where,
    message: listed
      ? `package "${wanted}" is in package.json but not installed; ${run("npm install")}`
      : `package "${wanted}" is not installed; ${run(`npm install ${wanted}`)}`,
  };
}

/** Node names the missing package, or for a missing subpath the absolute file: map either back. */
function packageOf(specifier: string, inputs: MetafileInputs): string | undefined {
  const external = new Set(
    Object.values(inputs).flatMap((i) => i.imports.filter((m) => m.external).map((m) => m.path)),
  );
  for (const imported of external) {
    const name = bareName(imported);
    if (
      name &&
      (specifier === name || specifier === imported || specifier.includes(`/node_modules/${name}/`))
    )
      return name;
  }
  return bareName(specifier);
}

/** `@scope/pkg/sub` -> `@scope/pkg`, `pkg/sub` -> `pkg`; undefined for paths and node: builtins. */
function bareName(specifier: string): string | undefined {
  if (/^(\.|\/|[a-z]+:)/i.test(specifier)) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** node_modules/<name>/…/x.node in a dlopen message. */
function nativePackage(text: string): string | undefined {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/[^\n]*\.node\b/.exec(text);
  return match?.[1];
}

function importer(
  name: string,
  inputs: MetafileInputs,
): { file: string; line: number; column: number } | undefined {
  for (const [rel, input] of Object.entries(inputs)) {
    if (rel.includes("node_modules/")) continue;
    const hit = input.imports.find((m) => m.external && bareName(m.path) === name);
    if (!hit) continue;
    const file = path.resolve(rel);
    try {
      const lines = readFileSync(file, "utf8").split(/\r?\n/);
      for (let i = 0; i < lines.length; i++) {
        const column = Math.max(lines[i].indexOf(`"${hit.path}"`), lines[i].indexOf(`'${hit.path}'`));
        if (column >= 0) return { file, line: i + 1, column: column + 1 };
      }
    } catch {
      // The file went away since the build: the package name alone still helps.
    }
    return { file, line: 1, column: 1 };
  }
  return undefined;
}

function listedInPackageJson(projectDir: string, name: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(path.join(projectDir, "package.json"), "utf8")) as Record<
      string,
      Record<string, string> | undefined
    >;
    return ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"].some(
      (field) => pkg[field]?.[name] !== undefined,
    );
  } catch {
    return false;
  }
}
