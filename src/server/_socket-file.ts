import { lstatSync, type Stats } from "node:fs";
import net from "node:net";

/**
 * What stands at `[server] socketFile`, in words, when it is anything cherry must not replace: only
 * a socket may be (and only a stale one, see probeSocket). undefined: nothing there, or a socket.
 * Never follows a symlink: a link is refused as a link, whatever it points to.
 */
export function nonSocketAt(file: string): string | undefined {
  let stat: Stats | undefined;
  try {
    stat = lstatSync(file, { throwIfNoEntry: false });
  } catch (error) {
    return `unreadable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  if (!stat || stat.isSocket()) return undefined;
  if (stat.isFile()) return "a regular file";
  if (stat.isDirectory()) return "a folder";
  if (stat.isSymbolicLink()) return "a symbolic link";
  if (stat.isFIFO()) return "a FIFO";
  return "a device or other special file";
}

/** True when a server accepts connections on the Unix socket `file` (a stale one refuses them). */
export function probeSocket(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(file);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}

/** The message for a path cherry will not replace, shared by `config check` and `serve`. */
export function notASocketMessage(file: string, what: string): string {
  return `${file} exists and is ${what}: cherry only ever replaces a stale socket left by a server that stopped (expected a new path or a socket, got ${what})`;
}
