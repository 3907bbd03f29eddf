import type { Command } from "commander";
import { loadConfig } from "../config/load.js";
import type { FlagValues } from "../config/types.js";
import { CherryError, isCherryError } from "../errors.js";
import { createLogger } from "../log.js";
import { bannerLines, browsableUrl } from "../server/banner.js";
import { isClusterWorker, runPrimary, type WorkerMessage } from "../server/cluster.js";
import { type RunningServer, type ServeOptions, startServer } from "../server/dev-server.js";
import { openBrowser } from "./_open.js";
import { reportError } from "./_run.js";
import { readShortcuts } from "./_shortcuts.js";

interface ServeFlags {
  config?: string;
  host?: string;
  port?: string;
  workers?: string;
  watch?: boolean;
  liveReload?: boolean;
  typeCheck?: boolean;
  open?: boolean;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the app with hot reload (watch mode) or in production (--no-watch, --workers)")
    .option("-c, --config <file>", "config file (default: ./RootServer.cfg)")
    .option("--host <host>", "interface to bind ([server] socketHost)")
    .option("--port <n>", "TCP port, 0 = any free port ([server] socketPort)")
    .option("--workers <n>", "worker processes; implies --no-watch ([server] processPool)")
    .option("--watch", "rebuild on change (the default with one process)")
    .option("--no-watch", "production mode: no file watching, no live reload, no stacks on error pages")
    .option("--no-live-reload", "watch mode without the browser reload script")
    .option("--no-type-check", "watch mode without the background TypeScript checker")
    .option("--open", "open the app in a browser once it listens")
    .action((flags: ServeFlags, command: Command) => serve(flags, command));
}

async function serve(flags: ServeFlags, command: Command): Promise<void> {
  const cli: FlagValues = {
    "server.socketHost": flags.host === undefined ? undefined : { value: flags.host, flag: "--host" },
    "server.socketPort": flags.port === undefined ? undefined : { value: flags.port, flag: "--port" },
    "server.processPool":
      flags.workers === undefined ? undefined : { value: flags.workers, flag: "--workers" },
  };
  const config = loadConfig({ configPath: flags.config, flags: cli });
  const workers = config.server.processPool;
  const watchSource = command.getOptionValueSource("watch");
  if (workers > 1 && flags.watch === true && watchSource === "cli") {
    throw new CherryError("E_USAGE", `--watch cannot be combined with ${workers} workers`, {
      hint: "watch mode runs one process; drop --watch or use --workers 1",
    });
  }
  const watch = workers > 1 ? false : flags.watch !== false;
  const logger = createLogger({ logToScreen: config.server.logToScreen, logFile: config.server.logFile });

  if (workers > 1 && !isClusterWorker()) {
    const primary = runPrimary({
      workers,
      logger,
      onListening: (url) => {
        const banner = bannerLines({
          url,
          host: config.server.socketHost,
          readyMs: performance.now(),
          watch: false,
          shortcuts: false,
          mode: `${workers} workers`,
        });
        for (const line of banner) logger.info(line);
        if (flags.open)
          openBrowser(browsableUrl(url, config.server.socketHost), (reason) => logger.warn(reason));
      },
    });
    const code = await Promise.race([primary.failed, untilSignal()]);
    await primary.stop(code === 143 ? "SIGTERM" : "SIGINT");
    process.exitCode = code;
    return;
  }

  // Shortcuts need a person at a terminal; a worker or a piped stdin (a process manager) gets none.
  const shortcuts = Boolean(process.stdin.isTTY) && !isClusterWorker();
  const options: ServeOptions = {
    configPath: flags.config,
    flags: cli,
    watch,
    liveReload: flags.liveReload !== false,
    typeCheck: watch && flags.typeCheck !== false,
    failOnBuildError: !watch,
    announce: !isClusterWorker(),
    shortcuts,
  };
  let server: RunningServer | undefined;
  try {
    server = await startServer(options);
  } catch (error) {
    if (isClusterWorker()) {
      // Printed before the primary hears of it, since it then stops every worker at once; it exits
      // with the code one process would have (src/errors.ts).
      const exitCode = reportError(error);
      process.exitCode = exitCode;
      process.send?.({ cherry: "failed", exitCode } satisfies WorkerMessage);
      return;
    }
    throw error;
  }
  if (isClusterWorker()) process.send?.({ cherry: "listening", url: server.url } satisfies WorkerMessage);
  const open = () => {
    if (server)
      openBrowser(browsableUrl(server.url, server.config.server.socketHost), (reason) => logger.warn(reason));
  };
  if (!isClusterWorker() && flags.open) open();

  let quit = (_code: number) => {};
  const stopped = Promise.race([untilSignal(), new Promise<number>((resolve) => (quit = resolve))]);
  const stopReading = shortcuts
    ? readShortcuts(
        process.stdin,
        {
          restart: async () => {
            if (server) {
              logger.info("restarting…");
              await server.close();
              // Back on the same port, so that open tabs reconnect (and reload) by themselves.
              options.flags = pinPort(cli, config.server.socketPort, server.url);
            }
            server = undefined;
            try {
              server = await startServer(options);
            } catch (error) {
              logger.error(`restart failed: ${(error as Error).message}; fix it, then press r + enter`);
              if (isCherryError(error)) for (const line of error.details) logger.error(line);
            }
          },
          open,
          clear: () => process.stdout.write("\x1b[2J\x1b[3J\x1b[H"),
          quit: () => quit(0),
        },
        (line) => logger.info(line),
      )
    : undefined;
  const code = await stopped;
  stopReading?.();
  await server?.close();
  process.exitCode = code;
  // A worker's IPC channel to the primary would keep it alive after the server closed.
  if (isClusterWorker()) process.disconnect?.();
}

/** A restart keeps the port a `--port 0` (or socketPort = 0) server was given. */
function pinPort(cli: FlagValues, configured: number, url: string): FlagValues {
  const port = /:(\d+)$/.exec(url)?.[1];
  if (configured !== 0 || !port) return cli;
  return { ...cli, "server.socketPort": { value: port, flag: "--port" } };
}

function untilSignal(): Promise<number> {
  return new Promise((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const)
      process.once(signal, () => resolve(SIGNAL_EXIT[signal]));
  });
}
