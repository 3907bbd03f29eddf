import { describe, expect, it } from "vitest";
import { KeyedLock } from "../../src/sessions/lock.js";

describe("KeyedLock", () => {
  it("takes a free key synchronously and hands it on in arrival order", async () => {
    const lock = new KeyedLock();
    const first = lock.tryAcquire("a");
    expect(first).toBeTypeOf("function");
    expect(lock.tryAcquire("a")).toBeUndefined();
    expect(lock.tryAcquire("b")).toBeTypeOf("function");
    const order: number[] = [];
    const second = lock.acquire("a", 1000).then((release) => {
      order.push(2);
      return release;
    });
    const third = lock.acquire("a", 1000).then((release) => {
      order.push(3);
      release();
    });
    expect(lock.waiting("a")).toBe(2);
    first?.();
    first?.(); // a second release does nothing
    (await second)();
    await third;
    expect(order).toEqual([2, 3]);
    expect(lock.waiting("a")).toBe(0);
    expect(lock.tryAcquire("a")).toBeTypeOf("function");
  });

  it("times a waiter out without stalling the ones behind it", async () => {
    const lock = new KeyedLock();
    const holder = lock.tryAcquire("k");
    const late = lock.acquire("k", 20);
    const patient = lock.acquire("k", 5000);
    await expect(late).rejects.toMatchObject({ code: "E_SESSION_LOCK_TIMEOUT" });
    expect(lock.waiting("k")).toBe(1);
    holder?.();
    const release = await patient;
    release();
    expect(lock.size).toBe(0);
  });
});
