import path from "node:path";
import type { CherryConfig, ServerConfig } from "../config/types.js";
import type { ChangeBatch } from "./watch.js";

export function sameListen(a: ServerConfig, b: ServerConfig): boolean {
  return (
    a.socketHost === b.socketHost &&
    a.socketPort === b.socketPort &&
    a.socketFile === b.socketFile &&
    a.sslKeyFile === b.sslKeyFile &&
    a.sslCertificateFile === b.sslCertificateFile &&
    a.sslClientCertificateVerification === b.sslClientCertificateVerification &&
    a.sslCACertificateFile === b.sslCACertificateFile
  );
}

/** Whether the session store can stay: RAM sessions survive every edit that keeps storageType=ram. */
export function sameStore(a: CherryConfig, b: CherryConfig): boolean {
  const x = a.session;
  const y = b.session;
  if (x.storageType !== y.storageType) return false;
  switch (y.storageType) {
    case "file":
      return x.storageFileDir === y.storageFileDir;
    case "cookie":
      return x.secret === y.secret && x.cookieName === y.cookieName && a.server.siteKey === b.server.siteKey;
    case "sqlite":
      return x.storageFile === y.storageFile;
    case "redis":
    case "postgres":
      return x.storageUrl === y.storageUrl;
    default:
      return true;
  }
}

/** "src/root.ts", "RootServer.cfg", or "src/a.ts +2" for the terminal. */
export function summarize(batch: ChangeBatch, dir: string): string {
  const files = [...(batch.config ? ["config"] : []), ...batch.code, ...batch.other].map((f) =>
    f === "config" ? "config" : path.relative(dir, f),
  );
  const unique = [...new Set(files)];
  return unique.length > 1 ? `${unique[0]} +${unique.length - 1}` : (unique[0] ?? "");
}
