import cluster from "node:cluster";
import { lstatSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type net from "node:net";
import type { ServerConfig } from "../config/types.js";
import { CherryError } from "../errors.js";
import { listenHost } from "./_hosts.js";
import { nonSocketAt, notASocketMessage, probeSocket } from "./_socket-file.js";

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** How long a client may take, in ms. Not config keys (docs/contract.md §1 lists those): the hardened defaults. */
export interface ServerLimits {
  /** From connection (or the previous request) to the end of the headers: slow-header clients. */
  headersTimeoutMs: number;
  /** For the whole request, body included: slow-body clients. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
};

/** The socket part: a hardened http(s) server that lives across reloads. */
export function createHttpServer(
  config: ServerConfig,
  listener: Listener,
  limits: ServerLimits = DEFAULT_LIMITS,
): http.Server {
  const options: http.ServerOptions = {
    keepAlive: true,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node checks those two timeouts every 30 s by default: a 20 s limit could let a slow client
    // hold its socket for 50. Checking a few times per limit bounds it closely.
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, limits.headersTimeoutMs / 4)),
    maxHeaderSize: 16 * 1024,
  };
  if (config.sslKeyFile && config.sslCertificateFile) {
    let key: Buffer;
    let cert: Buffer;
    let ca: Buffer | undefined;
    try {
      key = readFileSync(config.sslKeyFile);
      cert = readFileSync(config.sslCertificateFile);
      if (config.sslClientCertificateVerification) ca = readFileSync(config.sslCACertificateFile);
    } catch (error) {
      throw new CherryError("E_CONFIG_INVALID", `cannot read the TLS files: ${(error as Error).message}`, {
        cause: error,
      });
    }
    // CherryPy 0.10's sslClientCertificateVerification: VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT
    // against sslCACertificateFile.
    const client = ca ? { ca, requestCert: true, rejectUnauthorized: true } : {};
    return https.createServer({ ...options, key, cert, ...client }, listener);
  }
  return http.createServer(options, listener);
}

/** Listens and returns the URL users should open; EADDRINUSE becomes one clear line. */
export async function listen(server: http.Server, config: ServerConfig): Promise<string> {
  const scheme = server instanceof https.Server ? "https" : "http";
  if (config.socketFile) {
    await removeStaleSocket(config.socketFile);
    await once(server, () => server.listen(config.socketFile), `socket ${config.socketFile}`);
    return `${scheme}+unix://${config.socketFile}`;
  }
  const host = listenHost(config.socketHost) || "0.0.0.0";
  await once(server, () => server.listen({ port: config.socketPort, host }), `port ${config.socketPort}`);
  const address = server.address() as net.AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${scheme}://${shownHost}:${address.port}`;
}

function once(server: http.Server, start: () => void, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (error.code === "EADDRINUSE") {
        reject(
          new CherryError("E_PORT_IN_USE", `${what} is already in use`, {
            cause: error,
            hint: "stop the other server or pick another with --port N (0 = any free port)",
          }),
        );
      } else if (error.code === "EACCES") {
        reject(
          new CherryError("E_PORT_IN_USE", `no permission to listen on ${what}`, {
            cause: error,
            hint: "ports below 1024 need privileges: try --port 8000",
          }),
        );
      } else reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    start();
  });
}

/**
 * A socket file left by a crashed server is removed. Anything else at that path is not cherry's to
 * destroy: a regular file, folder, link or FIFO, or a socket another server still answers on, is a
 * config error (exit 2). In a cluster worker a live socket is the primary's, shared with the worker.
 */
async function removeStaleSocket(file: string): Promise<void> {
  const what = nonSocketAt(file);
  if (what) throw socketFileError(notASocketMessage(file, what));
  if (!existsAsSocket(file)) return;
  if (await probeSocket(file)) {
    if (cluster.isWorker) return;
    throw socketFileError(
      `${file} is a socket another server is listening on (expected a new path or a stale socket)`,
    );
  }
  // Checked again just before removing: whatever replaced it meanwhile is left alone.
  if (nonSocketAt(file) === undefined && existsAsSocket(file)) rmSync(file, { force: true });
}

function existsAsSocket(file: string): boolean {
  try {
    return lstatSync(file).isSocket();
  } catch {
    return false;
  }
}

function socketFileError(message: string): CherryError {
  return new CherryError("E_CONFIG_INVALID", `[server] socketFile: ${message}`, {
    hint: "pick another socketFile, or stop the server that uses it",
  });
}
