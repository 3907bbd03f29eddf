/**
 * Config files of later CherryPy versions (2.x `[global] server.socket_port`, `session_filter.on`;
 * 3.x `tools.sessions.storage_path`, `[/static]` path sections) are a different format, not a broken
 * RootServer.cfg. They are recognised once, with the RootServer.cfg key each known setting maps to,
 * instead of one "unknown" error per line.
 */
import type { IniEntry, IniSection, ParsedIni } from "./parse.js";

/** Later CherryPy setting (its last dotted part, lowercased) -> the RootServer.cfg key it maps to. */
const MAPPING: Record<string, string> = {
  socket_port: "[server] socketPort",
  socket_host: "[server] socketHost",
  socket_file: "[server] socketFile",
  socket_queue_size: "[server] socketQueueSize",
  thread_pool: "[server] threadPool",
  protocol_version: "[server] protocolVersion",
  reverse_dns: "[server] reverseDNS",
  ssl_certificate: "[server] sslCertificateFile",
  ssl_private_key: "[server] sslKeyFile",
  ssl_certificate_chain: "[server] sslCACertificateFile",
  log_file: "[server] logFile",
  error_file: "[server] logFile",
  access_file: "[server] logFile",
  log_to_screen: "[server] logToScreen",
  screen: "[server] logToScreen",
  storage_type: "[session] storageType",
  storage_class: "[session] storageType",
  storage_path: "[session] storageFileDir",
  timeout: "[session] timeout",
  clean_up_delay: "[session] cleanUpDelay",
  clean_freq: "[session] cleanUpDelay",
  cookie_name: "[session] cookieName",
  name: "[session] cookieName",
  path: "[session] cookiePath",
  domain: "[session] cookieDomain",
  secure: "[session] cookieSecure",
  httponly: "[session] cookieHttpOnly",
  locking: "[session] locking",
};

const LATER_PREFIX =
  /^(server|session_filter|static_filter|tools|log|engine|checker|request|response|autoreload|hooks|wsgi)\./i;

export interface LaterFormat {
  line: number;
  message: string;
  /** Sections and entries the message covers, left out of the per-line checks. */
  sections: Set<IniSection>;
  entries: Set<IniEntry>;
}

export function isLaterSection(name: string): boolean {
  return name === "global" || name.startsWith("/");
}

/** `displayName` names the file in each setting's line, so every one of them is a FILE:LINE. */
export function detectLaterFormat(parsed: ParsedIni, displayName: string): LaterFormat | undefined {
  const sections = new Set<IniSection>();
  const entries = new Set<IniEntry>();
  const lines: { line: number; text: string }[] = [];
  for (const section of parsed.sections) {
    const whole = isLaterSection(section.name);
    if (whole) sections.add(section);
    for (const entry of section.entries) {
      // [staticContent] keys are URL prefixes: `log.txt = log.txt` is a file, not a later setting.
      if (!whole && (section.name === "staticContent" || !LATER_PREFIX.test(entry.key))) continue;
      entries.add(entry);
      lines.push({ line: entry.line, text: mapOne(section, entry) });
    }
  }
  if (sections.size === 0 && entries.size === 0) return undefined;
  const first = Math.min(...[...sections].map((s) => s.line), ...[...entries].map((e) => e.line));
  const evidence = [...sections].map((s) => `[${s.name}]`).concat([...entries].slice(0, 2).map((e) => e.key));
  const message = [
    `this is a config file of a later CherryPy (${[...new Set(evidence)].slice(0, 3).join(", ")}), not a CherryPy 0.10 RootServer.cfg (expected [server], [session] and [staticContent] with the keys of cherry's README); each setting and its RootServer.cfg key:`,
    ...lines.sort((a, b) => a.line - b.line).map((l) => `    ${displayName}:${l.line}: ${l.text}`),
  ].join("\n");
  return { line: first, message, sections, entries };
}

function mapOne(section: IniSection, entry: IniEntry): string {
  const leaf = entry.name.split(".").pop() ?? entry.name;
  if (/^(session_filter|tools\.sessions)\.on$/.test(entry.name)) {
    return `${entry.key} -> [session] storageType (ram, file, … ; "" = off)`;
  }
  if (
    /^(static_filter\.dir|tools\.staticdir\.dir|static_filter\.file|tools\.staticfile\.filename)$/.test(
      entry.name,
    )
  ) {
    const prefix = section.name.startsWith("/")
      ? section.name.replace(/^\/+|\/+$/g, "") || "static"
      : "static";
    return `${entry.key} in [${section.name}] -> [staticContent] ${prefix} = <the folder or file>`;
  }
  if (/^(static_filter|tools\.static\w*)\.on$/.test(entry.name))
    return `${entry.key} -> (implied by [staticContent])`;
  const target = MAPPING[leaf];
  return target ? `${entry.key} -> ${target}` : `${entry.key} -> (no RootServer.cfg equivalent)`;
}
