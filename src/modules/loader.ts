/**
 * Builds the user's TypeScript app with esbuild (an incremental context, so a rebuild costs a few
 * milliseconds) and imports the result. Packages from node_modules stay external; `import … from
 * "cherry"` is pointed at the running cherry, so an app needs no `npm install` to use it. The bundle
 * is written under the app's node_modules/.cache/cherry so that the app's own packages resolve.
 */

import { createHash } from "node:crypto";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { makeFolders } from "../_folders.js";
import { explainImportFailure } from "./_import-failure.js";
import { type AppError, errorFromBuild, errorFromImport, withFrame } from "./app-error.js";
import { rememberBundle } from "./stack.js";

const RUNTIME_ENTRY = fileURLToPath(new URL("../index.js", import.meta.url));

export type BuildResult =
  /** unchanged: the bundle is byte for byte the last one that loaded; its module is reused. */
  | { ok: true; module: Record<string, unknown>; inputs: string[]; ms: number; unchanged: boolean }
  | { ok: false; error: AppError; ms: number };

export interface AppBuilder {
  build(): Promise<BuildResult>;
  dispose(): Promise<void>;
}

let sequence = 0;

export function createAppBuilder(entry: string, projectDir: string): AppBuilder {
  const outDir = path.join(projectDir, "node_modules", ".cache", "cherry");
  const tag = `${process.pid}-${(sequence++).toString(36)}`;
  let context: esbuild.BuildContext<{ write: false; metafile: true }> | undefined;
  let generation = 0;
  let last: { hash: string; module: Record<string, unknown> } | undefined;
  removeOrphans(outDir);

  const cherryRuntime: esbuild.Plugin = {
    name: "cherry-runtime",
    setup(build) {
      build.onResolve({ filter: /^cherry$/ }, () => ({
        path: pathToFileURL(RUNTIME_ENTRY).href,
        external: true,
      }));
      // The bundle runs from node_modules/.cache: import.meta must still describe each source file,
      // so that `new URL("../data.db", import.meta.url)` means what its author meant.
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = await readFile(args.path, "utf8");
        if (!source.includes("import.meta")) return undefined;
        const contents = source
          .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
          .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(path.dirname(args.path)))
          .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path));
        return { contents, loader: LOADERS[path.extname(args.path)] ?? "js" };
      });
    },
  };

  return {
    async build() {
      const started = performance.now();
      const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
      try {
        context ??= await esbuild.context({
          entryPoints: [entry],
          bundle: true,
          platform: "node",
          format: "esm",
          target: "node20",
          packages: "external",
          sourcemap: "linked",
          sourcesContent: false,
          write: false,
          metafile: true,
          logLevel: "silent",
          outfile: path.join(outDir, `app-${tag}.mjs`),
          plugins: [cherryRuntime],
        });
        const result = await context.rebuild();
        const inputs = Object.keys(result.metafile.inputs).map((p) => path.resolve(p));
        // A save that does not change the bundle (an editor writing twice, a touch) neither
        // re-imports (each import stays in memory for good) nor reloads the browser.
        const code = result.outputFiles.find((o) => !o.path.endsWith(".map"))?.text ?? "";
        const hash = createHash("sha256").update(code).digest("hex");
        if (last && last.hash === hash)
          return { ok: true, module: last.module, inputs, ms: elapsed(), unchanged: true };
        last = undefined;
        makeFolders(outDir);
        const n = ++generation;
        const file = path.join(outDir, `app-${tag}-${n}.mjs`);
        let mapText = "";
        for (const out of result.outputFiles) {
          if (out.path.endsWith(".map")) mapText = out.text;
          const target = out.path.endsWith(".map") ? `${file}.map` : file;
          let text = out.text;
          if (!out.path.endsWith(".map")) {
            text = text.replace(
              /\/\/# sourceMappingURL=.*$/m,
              `//# sourceMappingURL=${path.basename(file)}.map`,
            );
          }
          writeFileSync(target, text);
        }
        rememberBundle(file, mapText);
        let module: Record<string, unknown>;
        try {
          module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
        } catch (error) {
          const missing = explainImportFailure(error, projectDir, result.metafile.inputs);
          const appError = missing
            ? withFrame({ kind: "import", ...missing })
            : errorFromImport(error, entry, { file, map: mapText });
          return { ok: false, error: appError, ms: elapsed() };
        } finally {
          removeOlder(outDir, tag, n);
        }
        last = { hash, module };
        return { ok: true, module, inputs, ms: elapsed(), unchanged: false };
      } catch (error) {
        // esbuild says `Could not resolve "<absolute path>"` of an entry that is gone (deleted, or
        // mid-way through an editor's save): say what it is.
        if (!existsSync(entry))
          return {
            ok: false,
            error: { kind: "build", message: "the file is missing (deleted or renamed?)", file: entry },
            ms: elapsed(),
          };
        return { ok: false, error: errorFromBuild(error, entry), ms: elapsed() };
      }
    },
    async dispose() {
      await context?.dispose();
      context = undefined;
      removeOlder(outDir, tag, Number.POSITIVE_INFINITY);
    },
  };
}

/** esbuild's loader for each extension the import.meta plugin rewrites. */
const LOADERS: Record<string, "ts" | "tsx" | "js" | "jsx"> = {
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
  ".tsx": "tsx",
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".jsx": "jsx",
};

/** Removes the bundle files in `dir` whose name `doomed` picks (nothing when the folder is absent). */
function removeBundles(dir: string, doomed: (name: string) => boolean): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (doomed(name)) rmSync(path.join(dir, name), { force: true });
}

/** Bundles left by cherry processes that died without cleaning up (SIGKILL, crash). */
function removeOrphans(dir: string): void {
  removeBundles(dir, (name) => {
    const pid = Number(/^app-(\d+)-/.exec(name)?.[1]);
    return Boolean(pid) && pid !== process.pid && !isAlive(pid);
  });
}

/** Whether a process with this id runs (EPERM: it runs under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Keeps the newest bundle on disk (stack traces read its source map) and removes the rest of ours. */
function removeOlder(dir: string, tag: string, keep: number): void {
  const ours = new RegExp(`^app-${tag}-(\\d+)\\.mjs(\\.map)?$`);
  removeBundles(dir, (name) => {
    const match = ours.exec(name);
    return match !== null && Number(match[1]) !== keep;
  });
}
