import { spawn } from "node:child_process";

/** The program, its arguments and whether Windows must pass them verbatim; undefined: `BROWSER=none`. */
export function browserLauncher(
  url: string,
  platform: NodeJS.Platform,
  browser: string | undefined,
): [command: string, args: string[], verbatim: boolean] | undefined {
  if (browser?.toLowerCase() === "none") return undefined;
  if (browser) return [browser, [url], false];
  if (platform === "darwin") return ["open", [url], false];
  // `""` is start's window title; without it the quoted URL would become the title.
  if (platform === "win32") return ["cmd.exe", ["/d", "/s", "/c", `start "" "${url}"`], true];
  return ["xdg-open", [url], false];
}

/**
 * Opens `url` in a browser for `--open` and the `o` shortcut: `$BROWSER` when set (as vite and
 * create-react-app honour it; `none` turns opening off), else `open` on macOS, `xdg-open` elsewhere
 * on Unix, and on Windows cmd.exe's `start` builtin run through `cmd /c` (`start` is no program, so
 * spawning it directly always fails). A launcher that is missing or exits non-zero (xdg-open exits 3
 * when it finds no browser) is reported through `onFailure` with the reason, never silently.
 */
export function openBrowser(url: string, onFailure: (reason: string) => void): void {
  const launch = browserLauncher(url, process.platform, process.env.BROWSER);
  if (!launch) return;
  const [command, args, verbatim] = launch;
  const fail = (why: string) => onFailure(`cannot open a browser (${command} ${why}); open ${url} yourself`);
  try {
    const child = spawn(command, args, {
      stdio: "ignore",
      detached: process.platform !== "win32",
      windowsVerbatimArguments: verbatim,
      windowsHide: true,
    });
    child.on("error", (error: NodeJS.ErrnoException) =>
      fail(error.code === "ENOENT" ? "not found" : error.message),
    );
    child.on("exit", (code, signal) => {
      if (code !== 0) fail(signal ? `killed by ${signal}` : `exited with ${code}`);
    });
    child.unref();
  } catch (error) {
    fail((error as Error).message);
  }
}
