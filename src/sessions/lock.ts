import { CherryError } from "../errors.js";

interface Waiter {
  grant: (release: () => void) => void;
  timer: NodeJS.Timeout;
}

/**
 * Per-key FIFO mutex inside one process: requests of one session run their handler one at a time.
 * A free key is taken synchronously (no promise, no timer: the common case on the hot path); a
 * waiter that times out leaves the queue at once, so the queue behind it never stalls.
 */
export class KeyedLock {
  /** Keys that are held, each with the waiters queued behind its holder. */
  private readonly queues = new Map<string, Waiter[]>();

  /** How many requests wait behind the current holder of `key`. */
  waiting(key: string): number {
    return this.queues.get(key)?.length ?? 0;
  }

  /** Held keys. */
  get size(): number {
    return this.queues.size;
  }

  /** The release function when `key` is free (it is then held), else undefined. */
  tryAcquire(key: string): (() => void) | undefined {
    if (this.queues.has(key)) return undefined;
    this.queues.set(key, []);
    return this.releaser(key);
  }

  /** Waits its turn; throws E_SESSION_LOCK_TIMEOUT after `timeoutMs`. */
  acquire(key: string, timeoutMs: number): Promise<() => void> {
    const free = this.tryAcquire(key);
    if (free) return Promise.resolve(free);
    const queue = this.queues.get(key) as Waiter[];
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1);
          reject(
            new CherryError(
              "E_SESSION_LOCK_TIMEOUT",
              `session ${key.slice(0, 8)}… is busy: another request held it for over ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs),
      };
      queue.push(waiter);
    });
  }

  /** Hands the key to the next waiter, or frees it; a second call does nothing. */
  private releaser(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.queues.get(key);
      const next = queue?.shift();
      if (!next) {
        this.queues.delete(key);
        return;
      }
      clearTimeout(next.timer);
      next.grant(this.releaser(key));
    };
  }
}
