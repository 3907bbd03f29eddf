import { isValidSocketHost } from "../server/_hosts.js";
import { nonSocketAt, notASocketMessage } from "../server/_socket-file.js";
import { parseTrustProxy } from "../server/_trust-proxy.js";
import { type ConfigKeyId, configValue } from "../sessions/stores/_descriptor.js";
import { descriptorOf, STORES } from "../sessions/stores/index.js";
import { validateCookieAttributes } from "./_cookie.js";
import { SHARED_STORES, specOf } from "./schema.js";
import type { CherryConfig } from "./types.js";

const MIN_SECRET = 32;
/** An allowedHosts entry: `*`, a DNS name (a leading dot = with its subdomains), or a bracketed IPv6. */
const HOST_ENTRY = /^(\*|\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])$/i;

/**
 * Rules that involve several keys or the meaning of a value; `report` takes the key to blame.
 * `failed` holds the keys whose own value was already reported: rules that read them stay silent.
 * `secret` holds the keys whose value was built from a secret: messages show their length only.
 */
export function validateRules(
  config: CherryConfig,
  report: (id: string, message: string) => void,
  failed: ReadonlySet<string> = new Set(),
  secret: ReadonlySet<string> = new Set(),
): void {
  const { server, session, sources } = config;
  const set = (id: string) => sources.get(id)?.kind !== "default";
  // A storageType that failed its own check is one error: the rules about stores stay silent.
  if (!failed.has("session.storageType")) validateStore(config, report, failed);
  for (const id of ["session.secret", "server.siteKey"] as const) {
    const value = id === "session.secret" ? session.secret : server.siteKey;
    if (value === "") continue;
    const parts = value.split(",").map((p) => p.trim());
    const short = parts.findIndex((p) => p.length < MIN_SECRET);
    if (short !== -1) {
      const label = parts.length > 1 ? `key ${short + 1} of ${parts.length}` : "the key";
      report(
        id,
        `${label} is too short (expected at least ${MIN_SECRET} characters, got ${parts[short].length})`,
      );
    }
  }
  validateCookieAttributes(session, report, secret);
  if (session.cookieSameSite === "None" && session.cookieSecure === "false") {
    report(
      "session.cookieSameSite",
      'browsers reject SameSite=None without Secure (expected cookieSecure = true or auto, got "false")',
    );
  }
  if (!isValidSocketHost(server.socketHost)) {
    report(
      "server.socketHost",
      `not an interface to bind (expected "", an IPv4 or IPv6 address or a host name, got ${JSON.stringify(server.socketHost)})`,
    );
  }
  if (server.socketFile !== "" && set("server.socketPort")) {
    report("server.socketFile", "conflicts with socketPort: serve on a Unix socket or a TCP port, not both");
  }
  // Serving would refuse it (only a stale socket is ever replaced): say so before, with the line.
  const atSocketFile = server.socketFile === "" ? undefined : nonSocketAt(server.socketFile);
  if (atSocketFile) report("server.socketFile", notASocketMessage(server.socketFile, atSocketFile));
  for (const problem of parseTrustProxy(server.trustProxy).problems) report("server.trustProxy", problem);
  if (server.sslClientCertificateVerification && server.sslCACertificateFile === "") {
    report(
      "server.sslClientCertificateVerification",
      'client certificates are checked against a CA file (expected sslCACertificateFile = <PEM file>, got "")',
    );
  }
  if (server.sslClientCertificateVerification && server.sslKeyFile === "") {
    report(
      "server.sslClientCertificateVerification",
      "client certificates need HTTPS (expected sslKeyFile and sslCertificateFile too)",
    );
  }
  const badKind = server.typeOfRequests
    .split(",")
    .map((k) => k.trim())
    .find((k) => k !== "web" && k !== "xmlRpc");
  if (badKind !== undefined) {
    report(
      "server.typeOfRequests",
      `expected web and/or xmlRpc, comma-separated (as CherryPy 0.10), got ${JSON.stringify(badKind)}`,
    );
  }
  if ((server.sslKeyFile === "") !== (server.sslCertificateFile === "")) {
    const missing = server.sslKeyFile === "" ? "sslKeyFile" : "sslCertificateFile";
    const present = missing === "sslKeyFile" ? "server.sslCertificateFile" : "server.sslKeyFile";
    report(present, `HTTPS needs both files (expected ${missing} too, got only this one)`);
  }
  const badHost = server.allowedHosts
    .split(",")
    .map((h) => h.trim())
    .find((h) => h !== "" && !HOST_ENTRY.test(h));
  if (badHost !== undefined) {
    report(
      "server.allowedHosts",
      `not a host name (expected comma-separated names such as dev.example.test, .example.test for it and its subdomains, or *; no scheme, port or path), got "${badHost}"`,
    );
  }
}

/**
 * The rules that depend on storageType: a key only another store reads (CherryPy 0.10's rule for
 * storageFileDir), then the configured store's own rules (its descriptor's `validate`).
 */
function validateStore(
  config: CherryConfig,
  report: (id: string, message: string) => void,
  failed: ReadonlySet<string>,
): void {
  const type = config.session.storageType;
  for (const other of STORES) {
    if (other.name === type) continue;
    for (const id of other.exclusiveKeys ?? []) {
      const [section, key] = id.split(".");
      if (configValue(config, id) === specOf(section, key)?.default) continue;
      report(
        id,
        `only used by the ${other.name} store (expected storageType = ${other.name}, got "${type}")`,
      );
    }
  }
  descriptorOf(type)?.validate?.(config, {
    report,
    failed,
    isSet: (id: ConfigKeyId) => config.sources.get(id)?.kind !== "default",
    sharedStores: SHARED_STORES,
  });
}
