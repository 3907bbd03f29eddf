/**
 * The startup banner, as vite prints it: the version and the time to ready, a `Local:` URL for this
 * machine, `Network:` URLs another device can open (the machine's real addresses when bound to all
 * interfaces; `http://0.0.0.0:PORT` opens nowhere), and how to quit.
 */
import { createRequire } from "node:module";
import os from "node:os";

const pkg = createRequire(import.meta.url)("../../package.json") as { version: string };

/** cherry's own version, from its package.json. */
export const CHERRY_VERSION = pkg.version;

export interface BannerOptions {
  /** What listen() returned: `http://HOST:PORT`, `https://[::]:PORT` or `http+unix:///path`. */
  url: string;
  /** The configured socketHost ("" = all interfaces). */
  host: string;
  /** Milliseconds from the start of startServer to listening. */
  readyMs: number;
  watch: boolean;
  /** Said after the URL instead of `watching for changes` (`4 workers`). */
  mode?: string;
  /** Keyboard shortcuts are on: say `h + enter`; otherwise say Ctrl-C. */
  shortcuts: boolean;
  /** Network interfaces; os.networkInterfaces() unless a test passes its own. */
  interfaces?: NodeJS.Dict<os.NetworkInterfaceInfo[]>;
}

export interface Addresses {
  /** The URL this machine opens (the one `listening on` names); undefined when bound elsewhere only. */
  local?: string;
  /** URLs other devices open. */
  network: string[];
}

const WILDCARDS = new Set(["", "0.0.0.0", "::", "[::]"]);
const LOOPBACK = /^(?:localhost|127(?:\.\d+){3}|::1|\[::1\])$/;

/** Splits the listening URL into the local and network URLs (vite's resolveServerUrls). */
export function resolveAddresses(
  url: string,
  host: string,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): Addresses {
  const parsed = /^(\w+):\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(url);
  if (!parsed) return { local: url, network: [] };
  const [, scheme, , port] = parsed;
  if (LOOPBACK.test(host)) return { local: url, network: [] };
  if (!WILDCARDS.has(host)) return { network: [url] };
  const ipv6 = host === "::" || host === "[::]";
  const network: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      if (info.family === "IPv4") network.push(`${scheme}://${info.address}:${port}`);
      else if (ipv6 && !info.address.startsWith("fe80:"))
        network.push(`${scheme}://[${info.address}]:${port}`);
    }
  }
  // 127.0.0.1, not localhost: localhost may resolve to ::1, which a 0.0.0.0 socket does not take.
  return { local: `${scheme}://127.0.0.1:${port}`, network };
}

/** The banner's lines, the first `cherry vX ready in N ms, listening on URL (watching for changes)`. */
export function bannerLines(options: BannerOptions): string[] {
  const { local, network } = resolveAddresses(options.url, options.host, options.interfaces);
  const mode = options.mode ? ` (${options.mode})` : options.watch ? " (watching for changes)" : "";
  const lines = [
    // The URL ends the line or is followed by a space: scripts read it with /listening on (\S+)/.
    `cherry v${CHERRY_VERSION} ready in ${Math.round(options.readyMs)} ms, listening on ${local ?? network[0]}${mode}`,
  ];
  if (local) lines.push(`  Local:   ${local}/`);
  for (const url of network) lines.push(`  Network: ${url}/`);
  if (network.length === 0 && !options.url.includes("+unix:"))
    lines.push(
      WILDCARDS.has(options.host)
        ? "  Network: no network interface other than loopback"
        : "  Network: use --host 0.0.0.0 to expose",
    );
  lines.push(options.shortcuts ? "  press h + enter to show help, q to quit" : "  press Ctrl-C to quit");
  return lines;
}

/** The URL a browser on this machine opens (`http://0.0.0.0:PORT` becomes `http://127.0.0.1:PORT`). */
export function browsableUrl(url: string, host: string): string {
  return resolveAddresses(url, host, {}).local ?? url;
}
