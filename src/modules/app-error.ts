import { readFileSync } from "node:fs";
import { SourceMap, type SourceMapping } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Why the app could not be built or imported, located in the user's source. */
export interface AppError {
  kind: "build" | "import" | "config";
  message: string;
  /** Absolute path of the file at fault, when known. */
  file?: string;
  line?: number;
  column?: number;
  /** A few source lines around the fault with a caret under the column. */
  frame?: string;
  stack?: string;
}

interface EsbuildMessage {
  text: string;
  location?: { file: string; line: number; column: number } | null;
}

export function errorFromBuild(error: unknown, entry: string): AppError {
  const first = (error as { errors?: EsbuildMessage[] }).errors?.[0];
  if (!first) return { kind: "build", message: (error as Error)?.message ?? String(error), file: entry };
  const loc = first.location;
  const file = loc ? path.resolve(loc.file) : entry;
  // esbuild columns are 0-based; editors and our frames are 1-based.
  return withFrame({
    kind: "build",
    message: first.text,
    file,
    line: loc?.line,
    column: loc ? loc.column + 1 : undefined,
  });
}

const FRAME = /(?:^at |\()((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/;

/** `bundle`: the file that was imported and its source map, to point frames at the user's sources. */
export function errorFromImport(
  error: unknown,
  entry: string,
  bundle?: { file: string; map: string },
): AppError {
  const err = error instanceof Error ? error : new Error(String(error));
  const stack = bundle?.map ? remapStack(err.stack ?? "", bundle.file, bundle.map) : (err.stack ?? "");
  const located = locateInStack(stack) ?? { file: entry };
  return withFrame({ kind: "import", message: `${err.name}: ${err.message}`, stack, ...located });
}

/**
 * Rewrites `bundle.mjs:L:C` frames to the original `src/x.ts:L:C`. Node does this by itself when
 * source maps are enabled and it loaded the module; doing it here also covers runtimes that load
 * modules their own way (test runners).
 */
export function remapStack(stack: string, file: string, mapText: string): string {
  let map: SourceMap;
  try {
    map = new SourceMap(JSON.parse(mapText));
  } catch {
    return stack;
  }
  const escaped = `(?:file://)?${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
  return stack.replace(new RegExp(`${escaped}:(\\d+):(\\d+)`, "g"), (whole, line: string, column: string) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as Partial<SourceMapping>;
    if (!entry?.originalSource || entry.originalLine === undefined) return whole;
    const source = entry.originalSource.startsWith("file://")
      ? fileURLToPath(entry.originalSource)
      : path.resolve(path.dirname(file), entry.originalSource);
    return `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  });
}

/** The first stack frame in the user's sources (not node internals, not node_modules). */
export function locateInStack(stack: string): { file: string; line: number; column: number } | undefined {
  for (const raw of stack.split("\n").slice(1)) {
    const match = FRAME.exec(raw.trim());
    if (!match) continue;
    const file = match[1].startsWith("file://") ? fileURLToPath(match[1]) : match[1];
    if (file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    return { file, line: Number(match[2]), column: Number(match[3]) };
  }
  return undefined;
}

/** `error` with a code frame of its file around its line, when both are known and readable. */
export function withFrame(error: AppError): AppError {
  if (!error.file || !error.line) return error;
  try {
    const lines = readFileSync(error.file, "utf8").split(/\r?\n/);
    const from = Math.max(1, error.line - 2);
    const to = Math.min(lines.length, error.line + 2);
    const width = String(to).length;
    const out: string[] = [];
    for (let n = from; n <= to; n++) {
      out.push(`${n === error.line ? ">" : " "} ${String(n).padStart(width)} | ${lines[n - 1]}`);
      if (n === error.line && error.column)
        out.push(`  ${" ".repeat(width)} | ${" ".repeat(error.column - 1)}^`);
    }
    return { ...error, frame: out.join("\n") };
  } catch {
    return error;
  }
}

/** `src/root.ts:12:5` relative to the project folder. */
export function formatLocation(error: AppError, projectDir: string): string {
  if (!error.file) return "";
  const rel = path.relative(projectDir, error.file) || error.file;
  return `${rel}${error.line ? `:${error.line}` : ""}${error.column ? `:${error.column}` : ""}`;
}

/** The plain-text report used for the terminal and non-HTML clients. */
export function formatAppError(error: AppError, projectDir: string): string {
  const where = formatLocation(error, projectDir);
  const title =
    error.kind === "build"
      ? "build failed"
      : error.kind === "import"
        ? "the app threw while loading"
        : "config";
  return [`${title}: ${where ? `${where}: ` : ""}${error.message}`, error.frame ?? ""]
    .filter(Boolean)
    .join("\n");
}
