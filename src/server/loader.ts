/**
 * Builds the user's TypeScript app with esbuild (an incremental context, so a rebuild costs a few
 * milliseconds) and imports the result. Packages from node_modules stay external; `import … from
 * "cherry"` is pointed at the running cherry, so an app needs no `npm install` to use it. The bundle
 * is written under the app's node_modules/.cache/cherry so that the app's own packages resolve.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { type AppError, errorFromBuild, errorFromImport } from "./app-error.js";

const RUNTIME_ENTRY = fileURLToPath(new URL("../index.js", import.meta.url));

export type BuildResult =
  | { ok: true; module: Record<string, unknown>; inputs: string[]; ms: number }
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

  const cherryRuntime: esbuild.Plugin = {
    name: "cherry-runtime",
    setup(build) {
      build.onResolve({ filter: /^cherry$/ }, () => ({
        path: pathToFileURL(RUNTIME_ENTRY).href,
        external: true,
      }));
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
        mkdirSync(outDir, { recursive: true });
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
        const inputs = Object.keys(result.metafile.inputs).map((p) => path.resolve(p));
        let module: Record<string, unknown>;
        try {
          module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
        } catch (error) {
          return { ok: false, error: errorFromImport(error, entry, { file, map: mapText }), ms: elapsed() };
        } finally {
          removeOlder(outDir, tag, n);
        }
        return { ok: true, module, inputs, ms: elapsed() };
      } catch (error) {
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

/** Keeps the newest bundle on disk (stack traces read its source map) and removes the rest of ours. */
function removeOlder(dir: string, tag: string, keep: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = new RegExp(`^app-${tag}-(\\d+)\\.mjs(\\.map)?$`).exec(name);
    if (match && Number(match[1]) !== keep) rmSync(path.join(dir, name), { force: true });
  }
}
