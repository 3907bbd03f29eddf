/**
 * Every key of RootServer.cfg (docs/contract.md §1): its type, default and meaning. The README's config
 * reference is rendered from this table and a test fails when the two drift apart. It is one entry a
 * key, CherryPy 0.10's whole list included, which is why the file is longer than most. The
 * storageType values come from the store descriptors (src/sessions/stores/index.ts).
 */
import { STORE_NAMES, STORES, type StoreName } from "../sessions/stores/index.js";
import { suggest } from "./_suggest.js";

export type KeyType = "string" | "path" | "int" | "number" | "bool" | "enum" | "secret";
export type Value = string | number | boolean;

export interface KeySpec {
  section: "server" | "session" | "cache";
  key: string;
  type: KeyType;
  default: Value;
  doc: string;
  min?: number;
  max?: number;
  /** Allowed values of an enum, in their canonical spelling (matched case-insensitively). */
  values?: readonly string[];
  /** Accepted for CherryPy 0.10 files; printed as a note when set. */
  ignored?: string;
}

/** `[session] storageType`: "" (sessions off) or a store's name. */
export type StorageType = "" | StoreName;
export const STORAGE_TYPES: readonly StorageType[] = ["", ...STORE_NAMES];
/** The stores several processes can use at once (not ram). */
export const SHARED_STORES: readonly StoreName[] = STORES.filter((d) => d.sharing !== "process").map(
  (d) => d.name,
);

/**
 * The bound of the session durations (100 years of 365 days): an expiry beyond it is a typo, and it
 * keeps every expiry a date each store can write.
 */
const CENTURY_MINUTES = 100 * 365 * 24 * 60;

const EVENT_DRIVEN = "ignored: Node is event-driven";

export const SCHEMA: readonly KeySpec[] = [
  {
    section: "server",
    key: "socketHost",
    type: "string",
    default: "127.0.0.1",
    doc: 'interface to bind ("" or 0.0.0.0 = all interfaces)',
  },
  {
    section: "server",
    key: "socketPort",
    type: "int",
    default: 8000,
    min: 0,
    max: 65535,
    doc: "TCP port; 0 = any free port",
  },
  {
    section: "server",
    key: "socketFile",
    type: "path",
    default: "",
    doc: "serve on this Unix socket instead of a TCP port",
  },
  { section: "server", key: "appModule", type: "path", default: "src/root.ts", doc: "the app entry module" },
  {
    section: "server",
    key: "processPool",
    type: "int",
    default: 1,
    min: 1,
    max: 256,
    doc: "worker processes (node:cluster); `--workers N` overrides",
  },
  { section: "server", key: "logToScreen", type: "bool", default: true, doc: "access log on stdout" },
  { section: "server", key: "logFile", type: "path", default: "", doc: "also append log lines to this file" },
  {
    section: "server",
    key: "sslKeyFile",
    type: "path",
    default: "",
    doc: "TLS private key (PEM); with sslCertificateFile serves HTTPS",
  },
  {
    section: "server",
    key: "sslCertificateFile",
    type: "path",
    default: "",
    doc: "TLS certificate chain (PEM); with sslKeyFile serves HTTPS",
  },
  {
    section: "server",
    key: "sslClientCertificateVerification",
    type: "bool",
    default: false,
    doc: "1 = require a client certificate signed by sslCACertificateFile (HTTPS only)",
  },
  {
    section: "server",
    key: "sslCACertificateFile",
    type: "path",
    default: "",
    doc: "CA certificates (PEM) that client certificates must chain to; with sslClientCertificateVerification",
  },
  {
    section: "server",
    key: "sslVerifyDepth",
    type: "int",
    default: 1,
    min: 0,
    doc: "CherryPy 0.10 setting",
    ignored:
      "ignored: Node's TLS verifies the whole client chain up to sslCACertificateFile and has no depth limit",
  },
  {
    section: "server",
    key: "typeOfRequests",
    type: "string",
    default: "web",
    doc: "CherryPy 0.10 setting: web and/or xmlRpc, comma-separated; cherry serves web requests",
  },
  {
    section: "server",
    key: "siteKey",
    type: "secret",
    default: "",
    doc: "secret for the cookie store when [session] secret is empty",
  },
  {
    section: "server",
    key: "allowedHosts",
    type: "string",
    default: "",
    doc: "watch mode answers only these Host names (comma-separated; `.example.test` = it and its subdomains; `*` = any) besides localhost, *.localhost, 127.0.0.1, [::1] and the bound address; others get 403 (DNS rebinding)",
  },
  {
    section: "server",
    key: "staticWellKnown",
    type: "bool",
    default: false,
    doc: "static folders also serve `.well-known/` (RFC 8615); other path segments starting with a dot are never served",
  },
  {
    section: "server",
    key: "maxRequestBodySize",
    type: "int",
    default: 10485760,
    min: 0,
    max: 1024 * 1024 * 1024,
    doc: "bytes a request body may have (CherryPy 3's max_request_body_size); over it is a 413",
  },
  {
    section: "server",
    key: "maxFileUploads",
    type: "int",
    default: 20,
    min: 0,
    max: 1000,
    doc: "files one multipart/form-data request may upload (PHP's max_file_uploads); over it is a 413",
  },
  {
    section: "server",
    key: "maxFileSize",
    type: "int",
    default: 0,
    min: 0,
    max: 1024 * 1024 * 1024,
    doc: "bytes one uploaded file may have; 0 = only maxRequestBodySize limits it; over it is a 413",
  },
  {
    section: "server",
    key: "maxFormFields",
    type: "int",
    default: 1000,
    min: 0,
    max: 10_000,
    doc: "text fields one multipart/form-data request may have (Django's default); over it is a 413",
  },
  {
    section: "server",
    key: "threadPool",
    type: "int",
    default: 0,
    min: 0,
    doc: "CherryPy 0.10 setting",
    ignored: EVENT_DRIVEN,
  },
  {
    section: "server",
    key: "threading",
    type: "bool",
    default: false,
    doc: "CherryPy 0.10 setting",
    ignored: EVENT_DRIVEN,
  },
  {
    section: "server",
    key: "forking",
    type: "bool",
    default: false,
    doc: "CherryPy 0.10 setting",
    ignored: EVENT_DRIVEN,
  },
  {
    section: "server",
    key: "reverseDNS",
    type: "bool",
    default: false,
    doc: "CherryPy 0.10 setting; accepted, no effect",
  },
  {
    section: "server",
    key: "socketQueueSize",
    type: "int",
    default: 5,
    min: 0,
    doc: "CherryPy 0.10 setting; accepted, no effect (Node's backlog is used)",
  },
  {
    section: "server",
    key: "protocolVersion",
    type: "enum",
    default: "HTTP/1.0",
    values: ["HTTP/1.0", "HTTP/1.1"],
    doc: "CherryPy 0.10 setting; accepted, cherry always speaks HTTP/1.1",
  },
  {
    section: "server",
    key: "trustProxy",
    type: "string",
    default: "",
    doc: "reverse proxies whose X-Forwarded-Proto / Forwarded proto= is believed (for cookieSecure = auto): comma-separated IPs, CIDR ranges or loopback; empty = none",
  },

  {
    section: "session",
    key: "storageType",
    type: "enum",
    default: "",
    values: STORAGE_TYPES,
    doc: `"" = sessions off; ${STORE_NAMES.slice(0, -1).join(", ")} or ${STORE_NAMES.at(-1)}`,
  },
  {
    section: "session",
    key: "timeout",
    type: "number",
    default: 60,
    min: 0.001,
    max: CENTURY_MINUTES,
    doc: "minutes of inactivity after which a session expires",
  },
  {
    section: "session",
    key: "cleanUpDelay",
    type: "number",
    default: 60,
    min: 0,
    max: CENTURY_MINUTES,
    doc: "minutes between sweeps of expired sessions; 0 = never",
  },
  {
    section: "session",
    key: "cookieName",
    type: "string",
    default: "CherryPySession",
    doc: "name of the cookie that carries the session",
  },
  {
    section: "session",
    key: "storageFileDir",
    type: "path",
    default: "",
    doc: "folder of the file store (required for file, an error otherwise)",
  },
  {
    section: "session",
    key: "storageFile",
    type: "path",
    default: "sessions.db",
    doc: "SQLite file of the sqlite store",
  },
  {
    section: "session",
    key: "storageUrl",
    type: "secret",
    default: "",
    doc: `${STORES.filter((d) => d.keys.includes("session.storageUrl"))
      .map((d) => `${d.name}://…`)
      .join(" or ")} for those stores`,
  },
  {
    section: "session",
    key: "storageModule",
    type: "path",
    default: "",
    doc: 'module exporting the custom store functions, or default-exporting a store (defineStore); "" = the app module',
  },
  {
    section: "session",
    key: "secret",
    type: "secret",
    default: "",
    doc: "cookie-store key material, 32+ characters; comma-separated to rotate keys",
  },
  {
    section: "session",
    key: "locking",
    type: "enum",
    default: "implicit",
    values: ["implicit", "none"],
    doc: "implicit: one handler at a time per session; none: last writer wins",
  },
  {
    section: "session",
    key: "cookieSecure",
    type: "enum",
    default: "false",
    values: ["true", "false", "auto"],
    doc: "Secure cookie attribute; auto = when the request came over HTTPS",
  },
  {
    section: "session",
    key: "cookieSameSite",
    type: "enum",
    default: "Lax",
    values: ["Lax", "Strict", "None"],
    doc: "SameSite attribute (None requires cookieSecure)",
  },
  { section: "session", key: "cookieHttpOnly", type: "bool", default: true, doc: "HttpOnly attribute" },
  {
    section: "session",
    key: "cookiePersistent",
    type: "bool",
    default: false,
    doc: "true: Max-Age = timeout; false: a browser-session cookie",
  },
  { section: "session", key: "cookiePath", type: "string", default: "/", doc: "Path attribute" },
  {
    section: "session",
    key: "cookieDomain",
    type: "string",
    default: "",
    doc: "Domain attribute; empty = host-only",
  },
  {
    section: "session",
    key: "ramMaxSessions",
    type: "int",
    default: 50_000,
    min: 1,
    max: 10_000_000,
    doc: "ram store: sessions kept at most; the least recently used go first",
  },
  {
    section: "session",
    key: "ramMaxBytes",
    type: "int",
    default: 32 * 1024 * 1024,
    min: 1024,
    max: 64 * 1024 * 1024 * 1024,
    doc: "ram store: bytes of session data (as JSON, estimated) kept at most; the least recently used go first",
  },

  {
    section: "cache",
    key: "flushCacheDelay",
    type: "number",
    default: 0,
    min: 0,
    doc: "CherryPy 0.10 setting (minutes between page-cache flushes)",
    ignored: "ignored: cherry has no page cache",
  },
];

export const SECTIONS = ["server", "session", "staticContent", "cache"] as const;

export function keysOf(section: string): string[] {
  return SCHEMA.filter((s) => s.section === section).map((s) => s.key);
}

/** The key's spec; `key` is matched case-insensitively, as ConfigParser lowercased option names. */
export function specOf(section: string, key: string): KeySpec | undefined {
  const lower = key.toLowerCase();
  return SCHEMA.find((s) => s.section === section && s.key.toLowerCase() === lower);
}

const PUBLIC_KEYS = SCHEMA.filter((s) => s.type !== "secret").map((s) => s.key);
const SECRET_KEYS = SCHEMA.filter((s) => s.type === "secret").map((s) => s.key);

/**
 * Whether `name` (a key as typed, in any case, maybe misspelled) names a key whose value is secret:
 * such a value is shown by src/config/redact.ts's rules, never as written.
 */
export function isSecretName(name: string): boolean {
  const hit = suggest(name, [...PUBLIC_KEYS, ...SECRET_KEYS]);
  return hit !== undefined && SECRET_KEYS.includes(hit);
}

function formatDefault(spec: KeySpec): string {
  if (spec.type === "bool") return spec.default ? "1" : "0";
  return spec.default === "" ? '""' : String(spec.default);
}

/** The config reference table of the README, rendered from SCHEMA. */
export function renderConfigReference(): string {
  const rows = ["| key | type | default | meaning |", "|---|---|---|---|"];
  for (const section of ["server", "session", "cache"] as const) {
    for (const spec of SCHEMA.filter((s) => s.section === section)) {
      const type = spec.values ? spec.values.filter(Boolean).join(" \\| ") : spec.type;
      const doc = spec.ignored ? `${spec.doc} (${spec.ignored})` : spec.doc;
      rows.push(`| [${section}] ${spec.key} | ${type} | ${formatDefault(spec)} | ${doc} |`);
    }
  }
  rows.push("| [staticContent] *urlPrefix* | path | | serve `/urlPrefix/…` from this folder |");
  return rows.join("\n");
}
