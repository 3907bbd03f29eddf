/**
 * The one store contract (docs/architecture.md): every store's test file calls describeStoreContract in a few
 * lines. A case a store cannot run is skipped with its reason, visibly.
 */
import { describe, expect, it } from "vitest";
import { newSessionId } from "../../src/sessions/ids.js";
import type { SessionStore } from "../../src/sessions/store.js";

export interface StoreHarness {
  store: SessionStore;
  /** Makes the stored record of `id` unreadable (bad bytes), when the store can hold such a thing. */
  corrupt?(id: string): Promise<void>;
  cleanup?(): Promise<void>;
}

export type ContractCase =
  | "round trip"
  | "overwrite"
  | "destroy"
  | "touch"
  | "expiry is kept"
  | "list"
  | "purge"
  | "concurrent writers"
  | "corrupt data"
  | "cross-process lock"
  | "update only if it exists"
  | "every JSON string";

export interface ContractOptions {
  /** Cases this store skips, each with the reason shown in the test report. */
  skip?: Partial<Record<ContractCase, string>>;
  /** Skip the whole contract (a service is absent, or the store keeps no server-side records). */
  skipAll?: string;
}

const HOUR = 3_600_000;

export function describeStoreContract(
  name: string,
  factory: (() => Promise<StoreHarness>) | undefined,
  options: ContractOptions = {},
): void {
  if (options.skipAll || !factory) {
    describe.skip(`store contract: ${name} (skipped: ${options.skipAll ?? "no factory"})`, () => {
      it("is skipped", () => undefined);
    });
    return;
  }
  const make = factory;
  const test = (title: ContractCase, body: (h: StoreHarness) => Promise<void>) => {
    const reason = options.skip?.[title];
    if (reason) {
      it.skip(`${title} (skipped: ${reason})`, () => undefined);
      return;
    }
    it(title, async () => {
      const harness = await make();
      try {
        await body(harness);
      } finally {
        await harness.store.close?.();
        await harness.cleanup?.();
      }
    });
  };

  describe(`store contract: ${name}`, () => {
    test("round trip", async ({ store }) => {
      const id = newSessionId();
      expect(await store.get(id)).toBeUndefined();
      const data = { pageViews: 3, name: "Zoë ✓", nested: { list: [1, "two", null] }, flag: false };
      const expiresAt = Date.now() + HOUR;
      await store.set(id, { data, expiresAt, json: JSON.stringify(data) });
      const back = await store.get(id);
      expect(back?.data).toEqual(data);
      expect(Math.abs((back?.expiresAt ?? 0) - expiresAt)).toBeLessThanOrEqual(1);
    });

    test("overwrite", async ({ store }) => {
      const id = newSessionId();
      await store.set(id, { data: { a: 1, b: 2 }, expiresAt: Date.now() + HOUR });
      await store.set(id, { data: { a: 2 }, expiresAt: Date.now() + HOUR });
      expect((await store.get(id))?.data).toEqual({ a: 2 });
    });

    test("destroy", async ({ store }) => {
      const id = newSessionId();
      await store.set(id, { data: { a: 1 }, expiresAt: Date.now() + HOUR });
      await store.destroy(id);
      const after = await store.get(id);
      expect(after === undefined || after.expiresAt <= Date.now()).toBe(true);
      await store.destroy(newSessionId());
    });

    test("touch", async ({ store }) => {
      const id = newSessionId();
      await store.set(id, { data: { keep: "me" }, expiresAt: Date.now() + 1000 });
      const later = Date.now() + 2 * HOUR;
      if (store.touch) await store.touch(id, later);
      else await store.set(id, { data: { keep: "me" }, expiresAt: later });
      const back = await store.get(id);
      expect(back?.data).toEqual({ keep: "me" });
      expect(Math.abs((back?.expiresAt ?? 0) - later)).toBeLessThanOrEqual(1);
    });

    test("expiry is kept", async ({ store }) => {
      const id = newSessionId();
      const past = Date.now() - 1000;
      await store.set(id, { data: { old: true }, expiresAt: past });
      const back = await store.get(id);
      // A store may drop an expired record at once (native TTL) or return it for the manager to ignore.
      expect(back === undefined || back.expiresAt <= Date.now()).toBe(true);
    });

    test("list", async ({ store }) => {
      if (!store.list) return expect(store.list).toBeUndefined();
      const live = newSessionId();
      await store.set(live, { data: { x: "y" }, expiresAt: Date.now() + HOUR });
      const seen = [];
      for await (const entry of store.list()) seen.push(entry);
      const mine = seen.find((e) => e.id === live);
      expect(mine).toBeDefined();
      expect(mine?.bytes).toBeGreaterThan(0);
      expect(Math.abs((mine?.expiresAt ?? 0) - (Date.now() + HOUR))).toBeLessThan(10_000);
    });

    test("purge", async ({ store }) => {
      if (!store.purge) return expect(store.purge).toBeUndefined();
      const live = newSessionId();
      const dead = newSessionId();
      const now = Date.now();
      await store.set(live, { data: { live: 1 }, expiresAt: now + HOUR });
      await store.set(dead, { data: { dead: 1 }, expiresAt: now - 1000 });
      // Stores with native expiry (Redis) drop the dead record by themselves: nothing left to count.
      let deadListed = false;
      if (store.list) for await (const e of store.list()) deadListed ||= e.id === dead;
      const dry = await store.purge({ now, dryRun: true });
      if (deadListed && Number.isFinite(dry.removed)) expect(dry.removed).toBeGreaterThanOrEqual(1);
      expect((await store.get(live))?.data).toEqual({ live: 1 });
      await store.purge({ now });
      expect((await store.get(live))?.data).toEqual({ live: 1 });
      expect(await store.get(dead)).toBeUndefined();
    });

    test("concurrent writers", async ({ store }) => {
      const ids = Array.from({ length: 25 }, () => newSessionId());
      await Promise.all(ids.map((id, i) => store.set(id, { data: { i }, expiresAt: Date.now() + HOUR })));
      for (const [i, id] of ids.entries()) expect((await store.get(id))?.data).toEqual({ i });
      const hot = newSessionId();
      await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          store.set(hot, { data: { i, pad: "x".repeat(i * 100) }, expiresAt: Date.now() + HOUR }),
        ),
      );
      const final = await store.get(hot);
      const i = final?.data.i as number;
      expect(final?.data).toEqual({ i, pad: "x".repeat(i * 100) });
    });

    test("update only if it exists", async ({ store }) => {
      if (!store.update) return expect(store.update).toBeUndefined();
      const gone = newSessionId();
      // Absent, or (custom without deleteSessionData) a record that expired: the manager ignores it.
      const absent = async () => {
        const got = await store.get(gone);
        return got === undefined || got.expiresAt <= Date.now();
      };
      const session = { data: { back: "never" }, expiresAt: Date.now() + HOUR };
      // Never created, or removed meanwhile (regenerate, destroy): update must not bring it back.
      expect(await store.update(gone, { ...session, json: JSON.stringify(session.data) })).toBe(false);
      expect(await absent()).toBe(true);
      await store.set(gone, { data: { a: 1 }, expiresAt: Date.now() + HOUR });
      await store.destroy(gone);
      expect(await store.update(gone, session)).toBe(false);
      expect(await absent()).toBe(true);
      const live = newSessionId();
      await store.set(live, { data: { a: 1 }, expiresAt: Date.now() + HOUR });
      const later = Date.now() + 2 * HOUR;
      expect(await store.update(live, { data: { a: 2 }, expiresAt: later, json: '{"a":2}' })).toBe(true);
      const back = await store.get(live);
      expect(back?.data).toEqual({ a: 2 });
      expect(Math.abs((back?.expiresAt ?? 0) - later)).toBeLessThanOrEqual(1);
      // touch never creates either.
      if (store.touch) {
        await store.touch(gone, later);
        expect(await absent()).toBe(true);
      }
    });

    test("every JSON string", async ({ store }) => {
      // NUL, unpaired surrogates (PostgreSQL jsonb refuses those), separators, controls; in keys too.
      const data = {
        nul: "a\u0000b",
        high: "\ud800",
        low: "x\udc00y",
        pair: "🍒",
        separators: "\u2028\u2029",
        controls: "\u0001\u001f\u007f",
        "nul\u0000key": ["\u0000", { "\udfff": "\ud83d" }],
      };
      const id = newSessionId();
      await store.set(id, { data, expiresAt: Date.now() + HOUR, json: JSON.stringify(data) });
      expect((await store.get(id))?.data).toEqual(data);
      if (store.update) {
        const more = { ...data, more: "\u0000\ud801" };
        expect(await store.update(id, { data: more, expiresAt: Date.now() + HOUR })).toBe(true);
        expect((await store.get(id))?.data).toEqual(more);
      }
    });

    test("cross-process lock", async ({ store }) => {
      if (!store.tryLock) return expect(store.tryLock).toBeUndefined();
      const id = newSessionId();
      const release = await store.tryLock(id, 60_000);
      expect(release).toBeTypeOf("function");
      expect(await store.tryLock(id, 60_000)).toBeUndefined();
      await release?.();
      const again = await store.tryLock(id, 60_000);
      expect(again).toBeTypeOf("function");
      await again?.();
      // A holder that crashed (never released) is taken over once its ttl ran out.
      await store.tryLock(id, 30);
      await new Promise((r) => setTimeout(r, 60));
      const takeover = await store.tryLock(id, 60_000);
      expect(takeover).toBeTypeOf("function");
      await takeover?.();
    });

    test("corrupt data", async (harness) => {
      if (!harness.corrupt)
        throw new Error("a store that can hold unreadable records must provide corrupt()");
      const id = newSessionId();
      await harness.store.set(id, { data: { a: 1 }, expiresAt: Date.now() + HOUR });
      await harness.corrupt(id);
      expect(await harness.store.get(id)).toBeUndefined();
      if (harness.store.purge) {
        const result = await harness.store.purge({ now: Date.now() });
        if (Number.isFinite(result.unreadable)) expect(result.unreadable).toBeGreaterThanOrEqual(1);
      }
    });
  });
}
