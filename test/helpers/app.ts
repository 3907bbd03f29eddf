import { writeFileSync } from "node:fs";
import path from "node:path";
import type { FlagValues } from "../../src/config/types.js";
import type { Logger } from "../../src/log.js";
import { type RunningServer, startServer } from "../../src/server/dev-server.js";
import type { ServerLimits } from "../../src/server/listen.js";
import { tempDir } from "./tmp.js";

export const COUNTER = `import type { Request } from "cherry";
export default class Root {
  index(request: Request) {
    const count = request.sessionMap.get("pageViews", 0) + 1;
    request.sessionMap.set("pageViews", count);
    return \`<html><body>Hello, you've been here \${count} time(s)</body></html>\`;
  }
}
`;

export interface CapturedLogger extends Logger {
  lines: string[];
}

/** A logger that keeps lines for assertions instead of printing them. */
export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    access: (m) => lines.push(`access: ${m}`),
  };
}

export interface TestApp {
  dir: string;
  server: RunningServer;
  url: string;
  logger: CapturedLogger;
  write(file: string, content: string): void;
  close(): Promise<void>;
}

/** Serves an app made of `files` (RootServer.cfg gets socketPort = 0 unless it sets one). */
export async function serveApp(
  files: Record<string, string>,
  options: {
    watch?: boolean;
    liveReload?: boolean;
    flags?: FlagValues;
    now?: () => number;
    limits?: ServerLimits;
    typeCheck?: boolean;
    /** Where the config is, relative to the app folder (default RootServer.cfg). */
    configAt?: string;
    /** The logger serve makes from the config (screen and logFile) instead of a captured one. */
    realLogger?: boolean;
  } = {},
): Promise<TestApp> {
  const configAt = options.configAt ?? "RootServer.cfg";
  const cfg = files[configAt] ?? "";
  const withPort = /socketPort|socketFile/.test(cfg)
    ? cfg
    : cfg.includes("[server]")
      ? cfg.replace("[server]", "[server]\nsocketPort = 0")
      : `[server]\nsocketPort = 0\n${cfg}`;
  const dir = tempDir({ "src/root.ts": COUNTER, ...files, [configAt]: withPort });
  const logger = captureLogger();
  const server = await startServer({
    configPath: path.join(dir, configAt),
    watch: options.watch ?? false,
    liveReload: options.liveReload,
    flags: options.flags,
    now: options.now,
    limits: options.limits,
    typeCheck: options.typeCheck,
    logger: options.realLogger ? undefined : logger,
    drainMs: 2000,
  });
  return {
    dir,
    server,
    get url() {
      return server.url;
    },
    logger,
    write: (file, content) => writeFileSync(path.join(dir, file), content),
    close: () => server.close(),
  };
}

/** A tiny browser: keeps the cookies the server sets, like a real one would. */
export class Client {
  readonly jar = new Map<string, string>();
  constructor(private readonly base: string) {}

  async get(pathname: string, init: RequestInit = {}): Promise<Response & { text: () => Promise<string> }> {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0 && !headers.has("cookie")) {
      headers.set("cookie", [...this.jar].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const res = await fetch(new URL(pathname, this.base), { redirect: "manual", ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a.trim()));
      if (expired) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  async text(pathname: string, init?: RequestInit): Promise<string> {
    return (await this.get(pathname, init)).text();
  }
}

export const countOf = (html: string): number => Number(/been here (\d+) time/.exec(html)?.[1] ?? Number.NaN);

/** Writes a file of a watched app and resolves once the server reloaded after it. */
export async function edit(app: TestApp, file: string, content: string): Promise<void> {
  const reloaded = app.server.nextReload();
  app.write(file, content);
  await reloaded;
}
