/**
 * Background type checking in watch mode. esbuild strips types without checking them, so cherry runs
 * TypeScript's own watch program in a child process (at a lower CPU priority: a reload never waits
 * for it) and reports each check's errors with file:line:column and a code frame, in the terminal
 * and on open pages (the live-reload channel's overlay), and says when they are fixed.
 *
 * Which `typescript`: the app's own (its node_modules, so the version the app pins) first, else the
 * one installed with cherry; with neither, type checking is off and the terminal says once how to
 * turn it on.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../log.js";
import { codeFrame } from "../modules/stack.js";
import { TYPE_CHECK_WORKER } from "./_type-check-worker.js";

/** The running cherry's public types, which `import … from "cherry"` is checked against. */
const CHERRY_TYPES = fileURLToPath(new URL("../../dist/index.d.ts", import.meta.url));

export interface TypeScriptInstall {
  /** The module's entry file, for require(). */
  entry: string;
  version: string;
  /** Whose node_modules it came from. */
  from: "app" | "cherry";
}

/** Finds `typescript` from the app's folder first, then from cherry's own; undefined when neither has it. */
export function findTypeScript(
  appDir: string,
  cherryDir = fileURLToPath(import.meta.url),
): TypeScriptInstall | undefined {
  const places: [TypeScriptInstall["from"], string][] = [
    ["app", path.join(appDir, "package.json")],
    ["cherry", cherryDir],
  ];
  for (const [from, base] of places) {
    try {
      const require = createRequire(base);
      const entry = require.resolve("typescript");
      const manifest = JSON.parse(readFileSync(require.resolve("typescript/package.json"), "utf8"));
      return { entry, version: String(manifest.version), from };
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** One type error, located (`where` is `src/root.ts:3:7`, relative to the app). */
export interface TypeDiagnostic {
  where: string;
  code: number;
  message: string;
  frame?: string;
}

export interface TypeCheckOptions {
  appDir: string;
  /** The app module, checked with its imports when the app has no tsconfig.json. */
  entry: string;
  logger: Logger;
  /** Each finished check's errors; `fixed` when they replace a non-empty list with none. */
  onReport?(errors: TypeDiagnostic[], fixed: boolean): void;
  /** For tests: another place to look for cherry's own typescript. */
  cherryDir?: string;
}

export interface TypeChecker {
  /** The install in use. */
  typescript: TypeScriptInstall;
  /** The checker's process. */
  pid: number | undefined;
  /** Resolves after the next finished check, with its errors. */
  nextReport(): Promise<TypeDiagnostic[]>;
  close(): Promise<void>;
}

let saidHowToEnable = false;

/**
 * Starts the checker; undefined when there is nothing to check (a JavaScript app module and no
 * tsconfig.json) or, having said once how to enable it, when TypeScript is absent.
 */
export function startTypeChecker(options: TypeCheckOptions): TypeChecker | undefined {
  const { appDir, logger } = options;
  // A JavaScript app without a tsconfig.json has nothing to check (and no checkJs to ask for it).
  if (!existsSync(path.join(appDir, "tsconfig.json")) && !/\.[cm]?tsx?$/.test(options.entry))
    return undefined;
  const typescript = findTypeScript(appDir, options.cherryDir);
  if (!typescript) {
    if (!saidHowToEnable)
      logger.info(
        "[types] type checking is off: TypeScript is not installed. Run `npm install -D typescript` in the app folder to see type errors here and in the browser.",
      );
    saidHowToEnable = true;
    return undefined;
  }
  const job = { typescript: typescript.entry, appDir, entry: options.entry, types: CHERRY_TYPES };
  const child: ChildProcess = spawn(process.execPath, ["-e", TYPE_CHECK_WORKER], {
    cwd: appDir,
    env: { ...process.env, CHERRY_TYPE_CHECK: JSON.stringify(job) },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  try {
    // Below the server's priority: on a busy machine the reload and the requests go first.
    if (child.pid) os.setPriority(child.pid, 10);
  } catch {
    // Not allowed here: it still runs in its own process.
  }
  // The first check loads the compiler and every type the app uses (seconds); say it has begun, so
  // that silence before it ends is not read as "no type errors".
  logger.info(
    `[types] checking in the background (TypeScript ${typescript.version} from ${typescript.from === "app" ? "the app" : "cherry"}); the first check takes a few seconds`,
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  let closing = false;
  child.on("exit", (code, signal) => {
    if (!closing)
      logger.error(`[types] the type checker stopped (${signal ?? `exit ${code}`}): ${stderr.trim()}`);
  });

  let previous: string | undefined;
  let hadErrors = false;
  const waiters: ((errors: TypeDiagnostic[]) => void)[] = [];
  child.on("message", (message: WorkerMessage) => {
    if (message.type !== "done") return;
    const sources = new Map<string, string[] | undefined>();
    const errors: TypeDiagnostic[] = message.diagnostics.map((d) => ({
      where: d.file ? `${relative(appDir, d.file)}:${d.line}:${d.column}` : "",
      code: d.code,
      message: d.message,
      frame: d.file && d.line ? codeFrame(d.file, d.line, d.column ?? 0, sources) : undefined,
    }));
    const fixed = errors.length === 0 && hadErrors;
    const text = JSON.stringify(errors);
    if (text !== previous) {
      if (errors.length > 0) {
        logger.error(
          `[types] ${errors.length} type error${errors.length === 1 ? "" : "s"} (checked in ${message.ms} ms):`,
        );
        for (const e of errors)
          logger.error(
            `${e.where ? `${e.where} - ` : ""}error TS${e.code}: ${e.message}${e.frame ? `\n${e.frame}` : ""}`,
          );
      } else if (fixed) logger.info(`[types] type errors fixed (checked in ${message.ms} ms)`);
      else
        logger.info(
          `[types] no type errors (TypeScript ${typescript.version} from ${typescript.from === "app" ? "the app" : "cherry"}, checked in ${message.ms} ms)`,
        );
      options.onReport?.(errors, fixed);
    }
    previous = text;
    hadErrors = errors.length > 0;
    for (const resolve of waiters.splice(0)) resolve(errors);
  });

  return {
    typescript,
    pid: child.pid,
    nextReport: () => new Promise((resolve) => waiters.push(resolve)),
    async close() {
      closing = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill();
      await exited;
    },
  };
}

interface WorkerMessage {
  type: "checking" | "done";
  ms: number;
  diagnostics: { code: number; message: string; file?: string; line?: number; column?: number }[];
}

function relative(dir: string, file: string): string {
  const rel = path.relative(dir, file);
  return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel.split(path.sep).join("/");
}
