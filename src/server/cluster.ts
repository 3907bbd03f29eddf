/**
 * `--workers N` / processPool: N worker processes share the port through node:cluster. Workers that
 * crash are restarted (with a back-off if they crash at once); SIGINT/SIGTERM stop them gracefully.
 */
import cluster, { type Worker } from "node:cluster";
import type { Logger } from "../log.js";

export interface ClusterOptions {
  workers: number;
  logger: Logger;
  /** Called once with the URL the first worker reports. */
  onListening(url: string): void;
}

export interface WorkerMessage {
  cherry: "listening" | "failed";
  url?: string;
  exitCode?: number;
}

export function runPrimary(options: ClusterOptions): {
  stop(signal: NodeJS.Signals): Promise<void>;
  failed: Promise<number>;
} {
  let stopping = false;
  let announced = false;
  let failFast: (code: number) => void = () => undefined;
  const failed = new Promise<number>((resolve) => {
    failFast = resolve;
  });
  const spawn = () => {
    const worker = cluster.fork({ CHERRY_CLUSTER_WORKER: "1" });
    const born = Date.now();
    worker.on("message", (message: WorkerMessage) => {
      if (message?.cherry === "listening" && !announced && message.url) {
        announced = true;
        options.onListening(message.url);
      }
      if (message?.cherry === "failed") {
        stopping = true;
        failFast(message.exitCode ?? 1);
      }
    });
    worker.on("exit", (code, signal) => {
      if (stopping) return;
      options.logger.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting a new one`);
      setTimeout(spawn, Date.now() - born < 1000 ? 1000 : 0);
    });
  };
  for (let i = 0; i < options.workers; i++) spawn();
  return {
    failed,
    async stop(signal) {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              w.once("exit", () => resolve());
              w.process.kill(signal);
            }),
        ),
      );
    },
  };
}

export const isClusterWorker = (): boolean => cluster.isWorker && process.env.CHERRY_CLUSTER_WORKER === "1";
