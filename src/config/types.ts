import type { StorageType } from "./schema.js";

export interface ServerConfig {
  socketHost: string;
  socketPort: number;
  socketFile: string;
  appModule: string;
  processPool: number;
  logToScreen: boolean;
  logFile: string;
  sslKeyFile: string;
  sslCertificateFile: string;
  sslClientCertificateVerification: boolean;
  sslCACertificateFile: string;
  sslVerifyDepth: number;
  /** 0.10's list, e.g. "web" or "web,xmlRpc"; cherry serves web requests. */
  typeOfRequests: string;
  siteKey: string;
  /** Comma-separated extra Host names watch mode answers (src/server/_hosts.ts). */
  allowedHosts: string;
  /** Static folders serve `.well-known/`. */
  staticWellKnown: boolean;
  /** Bytes; a request body over it is refused with 413. */
  maxRequestBodySize: number;
  /** Files one multipart/form-data request may upload. */
  maxFileUploads: number;
  /** Bytes one uploaded file may have; 0 = only maxRequestBodySize limits it. */
  maxFileSize: number;
  /** Text fields one multipart/form-data request may have. */
  maxFormFields: number;
  threadPool: number;
  threading: boolean;
  forking: boolean;
  reverseDNS: boolean;
  socketQueueSize: number;
  protocolVersion: string;
  /** Comma-separated IPs, CIDR ranges or `loopback`; "" = trust no proxy. */
  trustProxy: string;
}

export interface SessionConfig {
  storageType: StorageType;
  /** Minutes. */
  timeout: number;
  /** Minutes; 0 = never. */
  cleanUpDelay: number;
  /** `timeout` in ms, converted once when the config is resolved. */
  timeoutMs: number;
  /** `cleanUpDelay` in ms (0 = never), converted once when the config is resolved. */
  cleanUpDelayMs: number;
  cookieName: string;
  storageFileDir: string;
  storageFile: string;
  storageUrl: string;
  storageModule: string;
  secret: string;
  locking: "implicit" | "none";
  cookieSecure: "true" | "false" | "auto";
  cookieSameSite: "Lax" | "Strict" | "None";
  cookieHttpOnly: boolean;
  cookiePersistent: boolean;
  cookiePath: string;
  cookieDomain: string;
  /** Sessions the ram store keeps at most (least recently used go first). */
  ramMaxSessions: number;
  /** Bytes of session data (estimated as JSON) the ram store keeps at most. */
  ramMaxBytes: number;
}

export interface StaticMount {
  /** URL prefix with a leading slash and no trailing one, e.g. "/static". */
  prefix: string;
  /** Absolute folder, or one file (`[staticContent] style.css = style.css` serves /style.css). */
  dir: string;
  line: number;
}

export type Source =
  | { kind: "default" }
  /** `spelled`: the key as written when it differs from the canonical spelling (`socketport`). */
  | { kind: "file"; file: string; line: number; spelled?: string }
  | { kind: "env"; name: string }
  | { kind: "flag"; name: string };

export interface CherryConfig {
  /** Absolute path of the config file. */
  file: string;
  /** The folder every relative path is resolved against. */
  dir: string;
  server: ServerConfig;
  session: SessionConfig;
  staticContent: StaticMount[];
  cache: { flushCacheDelay: number };
  /** Where each `section.key` value came from. */
  sources: ReadonlyMap<string, Source>;
  /** Warnings that do not stop the server (ignored 0.10 keys, missing static folders). */
  notes: string[];
}

/** Values given on the command line, keyed `section.key`, with the flag that set them. */
export type FlagValues = Record<string, { value: string; flag: string } | undefined>;
