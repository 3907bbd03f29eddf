import path from "node:path";
import type { ServerConfig } from "../config/types.js";
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

/** "src/root.ts", "RootServer.cfg", or "src/a.ts +2" for the terminal. */
export function summarize(batch: ChangeBatch, dir: string): string {
  const files = [...(batch.config ? ["config"] : []), ...batch.code, ...batch.other].map((f) =>
    f === "config" ? "config" : path.relative(dir, f),
  );
  const unique = [...new Set(files)];
  return unique.length > 1 ? `${unique[0]} +${unique.length - 1}` : (unique[0] ?? "");
}
