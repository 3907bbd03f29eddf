/**
 * Watch mode's Host check against DNS rebinding (the class of webpack-dev-server CVE-2018-14732 and
 * vite CVE-2025-24010): a page on evil.example whose name is re-pointed at 127.0.0.1 reaches the dev
 * server as same-origin, but its requests still say `Host: evil.example`. Only names that cannot be
 * an attacker's are answered: loopback names, the bound address and `[server] allowedHosts`.
 */
import net from "node:net";
import os from "node:os";
import type { ServerConfig } from "../config/types.js";

const LOOPBACK = ["localhost", "127.0.0.1", "[::1]"];
/** A label of a host name (RFC 1123 §2.1; `_` tolerated as resolvers do). */
const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/** socketHost as it is listened on: surrounding spaces and the brackets of `[::1]` removed. */
export function listenHost(socketHost: string): string {
  const host = socketHost.trim();
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** Whether socketHost is "", an IPv4 or IPv6 address (bracketed or not) or a host name. */
export function isValidSocketHost(socketHost: string): boolean {
  const host = listenHost(socketHost);
  if (host === "" || net.isIP(host) !== 0) return true;
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  return name.length <= 253 && name.split(".").every((label) => LABEL.test(label));
}

/**
 * True when `socketHost` binds every interface: "", or any spelling of the unspecified address
 * (0.0.0.0, 0, 0.0, 0x0 as inet_aton reads them; ::, ::0, [::], 0:0:0:0:0:0:0:0).
 */
export function bindsAllInterfaces(config: ServerConfig): boolean {
  if (config.socketFile) return false;
  const host = listenHost(config.socketHost);
  if (host === "") return true;
  if (net.isIPv6(host)) return /^[0:]+$/.test(host);
  const parts = host.split(".");
  return parts.length <= 4 && parts.every((part) => /^(0x)?0+$/i.test(part) || /^0x$/i.test(part));
}

/**
 * A predicate on the Host header's value (`name` or `name:port`, IPv6 in brackets). Accepted:
 * localhost, *.localhost (RFC 6761 §6.3), 127.0.0.1, [::1], the bound address (every interface's
 * address when bound to all), and each `allowedHosts` entry: a name, `.name` for the name and its
 * subdomains, or `*` for any Host. Names compare case-insensitively, a trailing dot ignored. A
 * request without Host (HTTP/1.0 tools, never a browser) passes.
 */
export function createHostCheck(config: ServerConfig): (host: string | undefined) => boolean {
  const exact = new Set(LOOPBACK);
  const suffixes = [".localhost"];
  let any = false;
  for (const address of boundAddresses(config)) exact.add(address);
  for (const raw of config.allowedHosts.split(",")) {
    const entry = normalize(raw.trim());
    if (entry === "") continue;
    if (entry === "*") any = true;
    else if (entry.startsWith(".")) {
      suffixes.push(entry);
      exact.add(entry.slice(1));
    } else exact.add(entry);
  }
  return (header) => {
    if (any || header === undefined) return true;
    const name = hostName(header);
    if (name === undefined) return false;
    return exact.has(name) || suffixes.some((s) => name.endsWith(s));
  };
}

/** The name part of a Host value, lowercased; undefined when it is not `name[:port]` or `[v6][:port]`. */
export function hostName(header: string): string | undefined {
  const value = header.trim().toLowerCase();
  if (value.startsWith("[")) {
    const close = value.indexOf("]");
    if (close === -1) return undefined;
    const rest = value.slice(close + 1);
    return rest === "" || /^:\d*$/.test(rest) ? value.slice(0, close + 1) : undefined;
  }
  const colon = value.indexOf(":");
  if (colon !== -1 && !/^\d*$/.test(value.slice(colon + 1))) return undefined;
  return normalize(colon === -1 ? value : value.slice(0, colon));
}

function normalize(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

function boundAddresses(config: ServerConfig): string[] {
  if (config.socketFile) return [];
  if (!bindsAllInterfaces(config)) return [bracket(normalize(listenHost(config.socketHost)))];
  const addresses: string[] = [];
  for (const list of Object.values(os.networkInterfaces()))
    for (const info of list ?? []) addresses.push(bracket(info.address.toLowerCase()));
  return addresses;
}

function bracket(address: string): string {
  return address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
}

/** The 403's text: the Host as understood (at most 100 characters) and the key that would allow it. */
export function forbiddenHostMessage(header: string | undefined): string {
  const host = header ?? "";
  const name = (hostName(host) ?? host).slice(0, 100);
  return `403 Forbidden: the Host ${JSON.stringify(name)} is not answered in watch mode (DNS rebinding protection); to allow it, add it to [server] allowedHosts in RootServer.cfg`;
}
