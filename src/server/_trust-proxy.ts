/**
 * `[server] trustProxy`: the reverse proxies whose word about the original scheme is believed, so
 * that `cookieSecure = auto` sets Secure behind a proxy that terminates TLS. Off by default: a
 * client talking to cherry directly could otherwise claim HTTPS with a header. The proxy's own
 * value is the last one (a proxy appends to what the client sent): of RFC 7239 `Forwarded`
 * (`proto=`), else of `X-Forwarded-Proto`.
 */
import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";
import type { ServerConfig } from "../config/types.js";

/** Parsed trustProxy per config (a config is frozen; a reload brings a new one). */
const trustedProxies = new WeakMap<ServerConfig, BlockList | undefined>();

/** HTTPS, directly or (`[server] trustProxy`) as a trusted reverse proxy reports it. */
export function isSecure(req: IncomingMessage, server: ServerConfig): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  if (server.trustProxy === "") return false;
  let trusted = trustedProxies.get(server);
  if (!trustedProxies.has(server)) {
    trusted = parseTrustProxy(server.trustProxy).list;
    trustedProxies.set(server, trusted);
  }
  return trusted !== undefined && forwardedHttps(req, trusted);
}

/** The addresses of `trustProxy` (comma-separated IPs, CIDR ranges or `loopback`) and what is wrong. */
export function parseTrustProxy(value: string): { list: BlockList | undefined; problems: string[] } {
  const problems: string[] = [];
  const list = new BlockList();
  let entries = 0;
  for (const raw of value.split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    entries++;
    if (entry.toLowerCase() === "loopback") {
      list.addSubnet("127.0.0.0", 8, "ipv4");
      list.addSubnet("::1", 128, "ipv6");
      continue;
    }
    const [address, prefix, extra] = entry.split("/");
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const length = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
    if (family === 0 || extra !== undefined || !(length >= 0 && length <= bits)) {
      problems.push(`"${entry}" is not an IP address, a CIDR range (10.0.0.0/8) or loopback`);
      continue;
    }
    list.addSubnet(address, length, family === 4 ? "ipv4" : "ipv6");
  }
  return { list: entries > 0 && problems.length === 0 ? list : undefined, problems };
}

/** Whether a trusted proxy says the client's request came over HTTPS. */
export function forwardedHttps(req: IncomingMessage, trusted: BlockList): boolean {
  let peer = req.socket.remoteAddress;
  if (!peer) return false;
  if (peer.startsWith("::ffff:") && isIP(peer.slice(7)) === 4) peer = peer.slice(7);
  if (!trusted.check(peer, isIP(peer) === 4 ? "ipv4" : "ipv6")) return false;
  // The last Forwarded element is the trusted proxy's; when it names no proto (a proxy that only
  // sets X-Forwarded-Proto, passing on a client's Forwarded), X-Forwarded-Proto is the proxy's word.
  const forwarded = req.headers.forwarded;
  const proto =
    (forwarded ? protoOfForwarded(forwarded) : undefined) ?? lastValue(req.headers["x-forwarded-proto"]);
  return proto?.toLowerCase() === "https";
}

/** `proto=` of the last element of a Forwarded header (RFC 7239 §4), unquoted. */
function protoOfForwarded(header: string): string | undefined {
  const last = header.slice(header.lastIndexOf(",") + 1);
  for (const pair of last.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1 || pair.slice(0, eq).trim().toLowerCase() !== "proto") continue;
    return pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
  }
  return undefined;
}

function lastValue(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join(",") : header;
  return text?.slice(text.lastIndexOf(",") + 1).trim();
}
