/**
 * Reads a V8 stack for the watch-mode error pages, as next dev and Django's debug page show one: the
 * app's own frames first, each with its source lines, and cherry's, Node's and the dependencies'
 * frames folded away. Paths are shown relative to the app folder (`src/root.ts:16:11`), cherry's own
 * as `cherry/dist/…`. Bundle frames are mapped back to the sources through the bundle's source map.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { remapStack } from "./app-error.js";

/** Where a frame's code lives. */
export type FrameKind = "app" | "dependency" | "cherry" | "node";

export interface StackFrame {
  /** The function as V8 names it (`Root.index`, `async Promise.all`), or "" for top-level code. */
  fn: string;
  /** Absolute path, or `node:internal/…` for Node's own code. */
  file: string;
  /** 1-based. */
  line: number;
  column: number;
  kind: FrameKind;
  /** `file:line:column` with the path relative to the app folder (`cherry/…` for cherry's). */
  where: string;
}

const CHERRY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CHERRY_CODE = [path.join(CHERRY_ROOT, "src"), path.join(CHERRY_ROOT, "dist")];
const FRAME_LINE = /^\s*at (?:(.+?) \()?((?:file:\/\/|node:|\/|[A-Za-z]:\\)[^()]*?):(\d+):(\d+)\)?$/;
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const BUNDLE = /[\\/]node_modules[\\/]\.cache[\\/]cherry[\\/]app-[^\\/]+\.mjs$/;

/** The latest bundles and their source maps (the loader tells), for runtimes that do not remap. */
const bundles = new Map<string, string>();

/** Called by the loader for each bundle it imports; keeps the last few. */
export function rememberBundle(file: string, mapText: string): void {
  bundles.set(file, mapText);
  if (bundles.size > 4) bundles.delete(bundles.keys().next().value as string);
}

const within = (file: string, dir: string) => file.startsWith(dir + path.sep);

function kindOf(file: string): FrameKind {
  if (file.startsWith("node:") || !path.isAbsolute(file)) return "node";
  if (CHERRY_CODE.some((dir) => within(file, dir))) return "cherry";
  // The app's own bundle (node_modules/.cache/cherry, see loader.ts) when no source map applied.
  if (BUNDLE.test(file)) return "app";
  if (file.includes(NODE_MODULES)) return within(file, CHERRY_ROOT) ? "cherry" : "dependency";
  return "app";
}

function shown(file: string, kind: FrameKind, appDir: string): string {
  if (kind === "node") return file;
  if (kind === "cherry") return `cherry/${path.relative(CHERRY_ROOT, file).split(path.sep).join("/")}`;
  const rel = path.relative(appDir, file);
  return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel.split(path.sep).join("/");
}

/** The stack's frames (lines that are not frames, like the message, are skipped). */
export function parseStack(stack: string, appDir: string): StackFrame[] {
  let text = stack;
  for (const [file, map] of bundles) if (text.includes(file)) text = remapStack(text, file, map);
  const frames: StackFrame[] = [];
  for (const raw of text.split("\n")) {
    const match = FRAME_LINE.exec(raw);
    if (!match) continue;
    const file = match[2].startsWith("file://") ? fileURLToPath(match[2]) : match[2];
    const kind = kindOf(file);
    const line = Number(match[3]);
    const column = Number(match[4]);
    frames.push({
      fn: match[1] ?? "",
      file,
      line,
      column,
      kind,
      where: `${shown(file, kind, appDir)}:${line}:${column}`,
    });
  }
  return frames;
}

/**
 * A few source lines around `line` with a caret under `column` (1-based both), `>` marking the line;
 * undefined when the file cannot be read. `sources` caches file contents across frames.
 */
export function codeFrame(
  file: string,
  line: number,
  column: number,
  sources = new Map<string, string[] | undefined>(),
  context = 2,
): string | undefined {
  if (!sources.has(file)) {
    try {
      sources.set(file, readFileSync(file, "utf8").split(/\r?\n/));
    } catch {
      sources.set(file, undefined);
    }
  }
  const lines = sources.get(file);
  if (!lines || line < 1 || line > lines.length) return undefined;
  const from = Math.max(1, line - context);
  const to = Math.min(lines.length, line + context);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    out.push(`${n === line ? ">" : " "} ${String(n).padStart(width)} | ${lines[n - 1]}`);
    if (n === line && column > 0) out.push(`  ${" ".repeat(width)} | ${" ".repeat(column - 1)}^`);
  }
  return out.join("\n");
}

export interface ExplainedStack {
  /** The frames shown open, each with its code frame: the app's, or the first frame when none is. */
  shown: (StackFrame & { frame?: string })[];
  /** Every frame, for the folded list. */
  all: StackFrame[];
  /** How many frames are cherry's, Node's or a dependency's. */
  folded: number;
}

/** The frames of `stack` sorted for a developer to act on. */
export function explainStack(stack: string, appDir: string): ExplainedStack {
  const all = parseStack(stack, appDir);
  const sources = new Map<string, string[] | undefined>();
  let open = all.filter((f) => f.kind === "app");
  if (open.length === 0) open = all.filter((f) => f.kind !== "node").slice(0, 1);
  return {
    shown: open.map((f) => ({ ...f, frame: codeFrame(f.file, f.line, f.column, sources) })),
    all,
    folded: all.filter((f) => f.kind !== "app").length,
  };
}

/** The terminal's report of a thrown error in watch mode: message, app frames with code, folded count. */
export function formatThrown(error: unknown, appDir: string): string {
  const err = error instanceof Error ? error : new Error(String(error));
  const explained = explainStack(err.stack ?? "", appDir);
  const out = [`${err.name}: ${err.message}`];
  explained.shown.forEach((f, i) => {
    out.push(`    at ${f.fn ? `${f.fn} ` : ""}(${f.where})`);
    if (i === 0 && f.frame) out.push(f.frame.replace(/^/gm, "    "));
  });
  if (explained.folded > 0)
    out.push(
      `    … ${explained.folded} frame${explained.folded === 1 ? "" : "s"} of cherry, Node.js and packages`,
    );
  return out.join("\n");
}
