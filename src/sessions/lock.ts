import { CherryError } from "../errors.js";

/**
 * Per-key FIFO mutex inside one process: requests of one session run their handler one at a time.
 * A waiter that times out gives its turn away at once, so the queue behind it never stalls.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();
  /** Acquirers of each key that have not released yet: the holder plus those queued behind it. */
  private readonly counts = new Map<string, number>();

  /** How many requests wait behind the current holder of `key`. */
  waiting(key: string): number {
    return Math.max(0, (this.counts.get(key) ?? 0) - 1);
  }

  get size(): number {
    return this.tails.size;
  }

  async acquire(key: string, timeoutMs: number): Promise<() => void> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous ? previous.then(() => mine) : mine;
    this.tails.set(key, tail);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    let released = false;
    // The entry goes only once the whole chain up to us has settled: a waiter that timed out must
    // not let the next arrival skip a holder that is still running.
    const forget = () => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    const done = () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
      release();
      void tail.then(forget);
    };
    if (!previous) return done;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const outcome = await Promise.race([previous.then(() => "ok" as const), timedOut]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      done();
      throw new CherryError(
        "E_SESSION_LOCK_TIMEOUT",
        `session ${key.slice(0, 8)}… is busy: another request held it for over ${timeoutMs} ms`,
      );
    }
    return done;
  }
}
