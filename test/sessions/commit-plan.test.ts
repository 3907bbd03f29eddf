/**
 * The end of a request as a truth table (src/sessions/_commit-plan.ts): every combination of
 * new/loaded/expired × changed/unchanged/cleared × no call/regenerate()/destroy() × persistent
 * cookie or not × the handler succeeded or failed (threw or answered 5xx), with an injected clock.
 */
import { describe, expect, it } from "vitest";
import {
  type PlanClock,
  planCommit,
  type SessionState,
  shouldDestroy,
  shouldSave,
  shouldSetCookie,
  shouldTouch,
} from "../../src/sessions/_commit-plan.js";

const MINUTE = 60_000;
const clock: PlanClock = { now: 1_000_000_000_000, timeoutMs: 60 * MINUTE, touchEveryMs: MINUTE };

type Loaded = "new" | "loaded" | "expired";
type Data = "changed" | "unchanged" | "cleared";
type Call = "-" | "regenerate" | "destroy";

function state(loaded: Loaded, data: Data, call: Call, extra: Partial<SessionState> = {}): SessionState {
  const live = loaded === "loaded";
  // What the handler leaves: destroy() empties the map, so "changed" after destroy() is a set after it.
  const hasData = data === "changed" || (data === "unchanged" && live && call !== "destroy");
  return {
    loadedExpiresAt:
      loaded === "new" ? undefined : live ? clock.now + clock.timeoutMs - 10 * MINUTE : clock.now - 1,
    superseded: false,
    hasData,
    changed: data === "changed" || (data === "cleared" && live),
    rewrite: false,
    regenerated: call === "regenerate",
    destroyed: call === "destroy",
    failed: false,
    persistent: false,
    recordInCookie: false,
    ...extra,
  };
}

/** loaded | data | call → record (+ fresh id, + the loaded record dropped) | cookie, persistent cookie. */
const TABLE = `
new     | changed   | -          | write fresh       | set     | set
new     | unchanged | -          | nothing           | nothing | nothing
new     | cleared   | -          | nothing           | nothing | nothing
new     | changed   | regenerate | write fresh       | set     | set
new     | unchanged | regenerate | nothing           | nothing | nothing
new     | cleared   | regenerate | nothing           | nothing | nothing
new     | changed   | destroy    | write fresh       | set     | set
new     | unchanged | destroy    | nothing           | nothing | nothing
new     | cleared   | destroy    | nothing           | nothing | nothing
expired | changed   | -          | write fresh       | set     | set
expired | unchanged | -          | nothing           | nothing | nothing
expired | cleared   | -          | nothing           | nothing | nothing
expired | changed   | regenerate | write fresh       | set     | set
expired | unchanged | regenerate | nothing           | nothing | nothing
expired | cleared   | destroy    | nothing           | nothing | nothing
loaded  | changed   | -          | write             | nothing | set
loaded  | unchanged | -          | touch             | nothing | set
loaded  | cleared   | -          | destroy dropped   | expire  | expire
loaded  | changed   | regenerate | write fresh dropped | set   | set
loaded  | unchanged | regenerate | write fresh dropped | set   | set
loaded  | cleared   | regenerate | destroy dropped   | expire  | expire
loaded  | changed   | destroy    | write fresh dropped | set   | set
loaded  | unchanged | destroy    | destroy dropped   | expire  | expire
loaded  | cleared   | destroy    | destroy dropped   | expire  | expire
`;

const rows = TABLE.trim()
  .split("\n")
  .map((line) => line.split("|").map((cell) => cell.trim()));

describe("the commit plan", () => {
  for (const [loaded, data, call, record, cookie, persistentCookie] of rows) {
    const words = record.split(" ");
    for (const persistent of [false, true]) {
      it(`${loaded}, ${data}, ${call}, ${persistent ? "persistent" : "session"} cookie: ${record}, cookie ${persistent ? persistentCookie : cookie}`, () => {
        const s = state(loaded as Loaded, data as Data, call as Call, { persistent });
        const plan = planCommit(s, clock);
        expect(plan.record).toBe(words[0]);
        expect(plan.freshId).toBe(words.includes("fresh"));
        expect(plan.dropLoaded).toBe(words.includes("dropped"));
        expect(plan.cookie).toBe(persistent ? persistentCookie : cookie);
        if (plan.record === "write" || plan.record === "touch")
          expect(plan.expiresAt).toBe(clock.now + clock.timeoutMs);
      });
      it(`${loaded}, ${data}, ${call}, ${persistent ? "persistent" : "session"} cookie, handler failed: nothing at all`, () => {
        const s = state(loaded as Loaded, data as Data, call as Call, { persistent, failed: true });
        expect(planCommit(s, clock)).toMatchObject({
          record: "nothing",
          cookie: "nothing",
          dropLoaded: false,
        });
      });
    }
  }

  it("covers every combination once", () => {
    const seen = new Set(rows.map((r) => r.slice(0, 3).join(",")));
    expect(seen.size).toBe(rows.length);
    // expired × unchanged/cleared × destroy and × regenerate/destroy collapse onto rows above.
    expect(rows.length).toBeGreaterThanOrEqual(24);
  });

  it("touches an unchanged session only once the expiry would move by touchEveryMs (injected clock)", () => {
    const s = state("loaded", "unchanged", "-");
    const loadedAt = (s.loadedExpiresAt as number) - clock.timeoutMs;
    const at = (now: number) => planCommit(s, { ...clock, now }).record;
    expect(at(loadedAt)).toBe("nothing");
    expect(at(loadedAt + clock.touchEveryMs - 1)).toBe("nothing");
    expect(at(loadedAt + clock.touchEveryMs)).toBe("touch");
    expect(at((s.loadedExpiresAt as number) - 1)).toBe("touch");
  });

  it("sends the cookie on every write or touch when the record travels in it (the sealed cookie)", () => {
    const inCookie = (loaded: Loaded, data: Data) =>
      planCommit(state(loaded, data, "-", { recordInCookie: true }), clock);
    expect(inCookie("loaded", "changed")).toMatchObject({ record: "write", cookie: "set" });
    expect(inCookie("loaded", "unchanged")).toMatchObject({ record: "touch", cookie: "set" });
    expect(inCookie("loaded", "cleared")).toMatchObject({ record: "destroy", cookie: "expire" });
  });

  it("rewrites an unchanged record that must be resealed (a retired key)", () => {
    const plan = planCommit(
      state("loaded", "unchanged", "-", { rewrite: true, recordInCookie: true }),
      clock,
    );
    expect(plan).toMatchObject({ record: "write", freshId: false, cookie: "set" });
  });

  it("does nothing for a request whose session was removed meanwhile (superseded), whatever it did", () => {
    for (const data of ["changed", "unchanged", "cleared"] as const)
      for (const call of ["-", "destroy"] as const) {
        const s = state("new", data, call, { superseded: true, persistent: true });
        expect(planCommit(s, clock)).toMatchObject({ record: "nothing", cookie: "nothing" });
      }
  });

  it("lets a superseded request start a session of its own only by calling regenerate() (a new login)", () => {
    const s = state("new", "changed", "regenerate", { superseded: true });
    expect(planCommit(s, clock)).toMatchObject({ record: "write", freshId: true, cookie: "set" });
  });

  it("names its predicates as express-session does", () => {
    const s = state("loaded", "unchanged", "-");
    expect([
      shouldSave(s, clock),
      shouldTouch(s, clock),
      shouldDestroy(s, clock),
      shouldSetCookie(s, clock),
    ]).toEqual([false, true, false, false]);
  });
});
