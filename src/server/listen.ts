import { existsSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { ServerConfig } from "../config/types.js";
import { CherryError } from "../errors.js";

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** How long a client may take, in ms. Not config keys (DESIGN.md fixes those): the hardened defaults. */
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
    try {
      key = readFileSync(config.sslKeyFile);
      cert = readFileSync(config.sslCertificateFile);
    } catch (error) {
      throw new CherryError("E_CONFIG_INVALID", `cannot read the TLS files: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return https.createServer({ ...options, key, cert }, listener);
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
  const host = config.socketHost === "" ? "0.0.0.0" : config.socketHost;
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

/** A socket file left by a crashed server is removed; one that still answers is in use. */
async function removeStaleSocket(file: string): Promise<void> {
  if (!existsSync(file)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(file);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (!alive) rmSync(file, { force: true });
}
