/**
 * The locks of `locking = implicit`: one handler at a time per session inside this process
 * (KeyedLock), plus the store's cross-process lock when several processes or machines share the
 * store (`crossProcess`), held by this process for as long as its own requests of that session
 * queue up.
 */
import { CherryError } from "../errors.js";
import type { Logger } from "../log.js";
import { describe, storeError } from "./_store-error.js";
import { KeyedLock } from "./lock.js";
import type { SessionStore, StoredSession } from "./store.js";

/** A crashed holder's cross-process lock frees itself after this long. */
const LOCK_TTL_MS = 15_000;

export class SessionLocks {
  readonly local = new KeyedLock();
  /** Take the store's cross-process lock too. */
  crossProcess = false;
  private readonly held = new Map<string, () => unknown>();

  constructor(
    /** The manager's logger at the time of the message (a config edit may replace it). */
    private readonly logger: () => Logger,
    readonly timeoutMs: number,
  ) {}

  /** The lock of a free session, synchronously (the hot path); undefined when it must be waited for. */
  tryAcquire(id: string): (() => void) | undefined {
    return this.crossProcess ? undefined : this.local.tryAcquire(id);
  }

  /** How many requests of this process wait behind the holder of `id`. */
  waiting(id: string): number {
    return this.local.waiting(id);
  }

  /**
   * The in-process lock of a session, plus the store's cross-process one when needed. With a
   * cross-process lock to take on a store that runs commands in the order they are issued
   * (one pipelined connection), the read is sent right behind the first lock attempt: one round
   * trip instead of two in series. It is used only if that attempt won the lock, in which case the
   * store ran it after the lock was taken. Throws E_SESSION_LOCK_TIMEOUT or E_STORE_UNAVAILABLE.
   */
  async acquire(
    id: string,
    store: SessionStore | undefined,
  ): Promise<{ release: () => void; prefetched?: Promise<StoredSession | undefined> }> {
    const releaseLocal = await this.local.acquire(id, this.timeoutMs);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const remote = this.held.get(id);
      if (remote && this.local.waiting(id) === 0) {
        this.held.delete(id);
        Promise.resolve()
          .then(remote)
          .catch((error) =>
            this.logger().error(
              `[sessions] cannot release the lock of ${id.slice(0, 8)}…: ${describe(error)}`,
            ),
          );
      }
      releaseLocal();
    };
    if (!this.crossProcess || !store?.tryLock || this.held.has(id)) return { release };
    const deadline = Date.now() + this.timeoutMs;
    let prefetched: Promise<StoredSession | undefined> | undefined;
    try {
      for (let delay = 1; ; delay = Math.min(delay * 2, 25)) {
        const attempt = Promise.resolve(store.tryLock(id, LOCK_TTL_MS));
        if (delay === 1 && store.inOrder) prefetched = Promise.resolve(store.get(id));
        const remote = await attempt;
        if (remote) {
          this.held.set(id, remote);
          return { release, prefetched };
        }
        // Lost the first attempt: that read may predate the winner's write; read again later.
        prefetched?.catch(() => undefined);
        prefetched = undefined;
        if (Date.now() + delay > deadline) {
          throw new CherryError(
            "E_SESSION_LOCK_TIMEOUT",
            `session ${id.slice(0, 8)}… is busy: another process held it for over ${this.timeoutMs} ms`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    } catch (error) {
      prefetched?.catch(() => undefined);
      release();
      throw storeError(error);
    }
  }
}
