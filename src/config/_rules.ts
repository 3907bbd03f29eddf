import { isValidSocketHost } from "../server/_hosts.js";
import { nonSocketAt, notASocketMessage } from "../server/_socket-file.js";
import { parseTrustProxy } from "../server/_trust-proxy.js";
import { storePrivacyProblem } from "../sessions/stores/_private.js";
import { validateCookieAttributes } from "./_cookie.js";
import { redact } from "./redact.js";
import { SHARED_STORES } from "./schema.js";
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
  // Serving would refuse a store folder or database other users could read or replace: say so
  // before, with the line (src/sessions/stores/_private.ts).
  const storeKey = session.storageType === "file" ? "session.storageFileDir" : "session.storageFile";
  const storePath = session.storageType === "file" ? session.storageFileDir : session.storageFile;
  if (
    (session.storageType === "file" || session.storageType === "sqlite") &&
    storePath !== "" &&
    !failed.has(storeKey)
  ) {
    const problem = storePrivacyProblem(session.storageType, storePath);
    if (problem) report(storeKey, problem);
  }
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

/** The rules that depend on storageType (CherryPy 0.10's, and each store's own needs). */
function validateStore(
  config: CherryConfig,
  report: (id: string, message: string) => void,
  failed: ReadonlySet<string>,
): void {
  const { server, session, sources } = config;
  const set = (id: string) => sources.get(id)?.kind !== "default";
  const type = session.storageType;

  if (type === "file" && session.storageFileDir === "" && !failed.has("session.storageFileDir")) {
    report(
      "session.storageType",
      'the file store needs a folder (expected storageFileDir = <folder>, got "")',
    );
  }
  if (type !== "file" && session.storageFileDir !== "") {
    report(
      "session.storageFileDir",
      `only used by the file store (expected storageType = file, got "${type}")`,
    );
  }
  if (type === "ram" && server.processPool > 1) {
    report(
      "server.processPool",
      `RAM sessions do not work across processes (expected 1 with storageType = ram, got "${server.processPool}"); use one of ${SHARED_STORES.join(", ")}`,
    );
  }
  const secretFailed = failed.has("session.secret") || failed.has("server.siteKey");
  if (type === "cookie" && session.secret === "" && server.siteKey === "" && !secretFailed) {
    report(
      "session.secret",
      'the cookie store needs a secret of 32+ random characters (expected secret or [server] siteKey, got "")',
    );
  }
  if (type === "redis" && !/^rediss?:\/\//.test(session.storageUrl)) {
    report(
      set("session.storageUrl") ? "session.storageUrl" : "session.storageType",
      `the redis store needs a URL (expected redis://host:port[/db] or rediss://…, got ${shownUrl(session.storageUrl)})`,
    );
  }
  const urlStore = type === "redis" || type === "postgres";
  if (
    urlStore &&
    /^[a-z][a-z0-9+.-]*:\/\//i.test(session.storageUrl) &&
    unparsableUrl(session.storageUrl, type)
  ) {
    report(
      "session.storageUrl",
      `not a valid URL (expected scheme://[user[:password]@]host[:port]/…, a port up to 65535, a database number after the host for redis, and "@", "/", ":" in a password written %40, %2F, %3A), got ${shownUrl(session.storageUrl)}`,
    );
  }
  if (type === "postgres" && !/^postgres(ql)?:\/\//.test(session.storageUrl)) {
    report(
      set("session.storageUrl") ? "session.storageUrl" : "session.storageType",
      `the postgres store needs a URL (expected postgres://user@host:port/db, got ${shownUrl(session.storageUrl)})`,
    );
  }
}

/**
 * Both drivers read storageUrl with the WHATWG URL parser (`new URL`): what it rejects (a port over
 * 65535, an unclosed `[`, a raw `/` in the password) is reported here with the line, not as a crash
 * when the store opens.
 */
function unparsableUrl(url: string, type: string): boolean {
  try {
    const parsed = new URL(url);
    // redis reads the path as the database number (`/0`); anything else is a password cut at a `/`.
    return type === "redis" && !/^\/?\d*$/.test(parsed.pathname);
  } catch {
    return true;
  }
}

/** A storageUrl for a message: its passwords hidden, or only its length when it is no URL at all. */
function shownUrl(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? JSON.stringify(redact(url)) : `${url.length} characters`;
}
