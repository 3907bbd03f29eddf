import { describe, expect, it } from "vitest";
import { CookieSealer } from "../../../src/sessions/stores/cookie.js";
import { describeStoreContract } from "../store-contract.js";

describeStoreContract("cookie", undefined, {
  skipAll:
    "the session lives sealed in the browser: no server-side records to get or list; the sealer is tested below and over HTTP",
});

const A = "a".repeat(32);
const B = "b".repeat(40);
const session = { id: "0".repeat(40), data: { pageViews: 2, name: "Zoë" }, expiresAt: 1_900_000_000_000 };

describe("cookie sealer (AES-256-GCM)", () => {
  it("opens what it sealed, with a fresh IV each time", () => {
    const sealer = new CookieSealer(A, "CherryPySession");
    const one = sealer.seal(session);
    const two = sealer.seal(session);
    expect(one).not.toBe(two);
    expect(sealer.open(one)).toEqual({ ...session, stale: false });
    expect(one).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(one, "base64url").toString("latin1")).not.toContain("pageViews");
  });

  it("rejects every single-bit flip and every truncation", () => {
    const sealer = new CookieSealer(A, "CherryPySession");
    const raw = Buffer.from(sealer.seal(session), "base64url");
    for (let bit = 0; bit < raw.length * 8; bit++) {
      const copy = Buffer.from(raw);
      copy[bit >> 3] ^= 1 << (bit & 7);
      expect(sealer.open(copy.toString("base64url"))).toBeUndefined();
    }
    for (let len = 0; len < raw.length; len++)
      expect(sealer.open(raw.subarray(0, len).toString("base64url"))).toBeUndefined();
  });

  it("binds the cookie name and the key", () => {
    const sealed = new CookieSealer(A, "CherryPySession").seal(session);
    expect(new CookieSealer(A, "OtherName").open(sealed)).toBeUndefined();
    expect(new CookieSealer(B, "CherryPySession").open(sealed)).toBeUndefined();
  });

  it("rotates keys: the first seals, all open, old seals are marked stale", () => {
    const old = new CookieSealer(A, "c").seal(session);
    const rotated = new CookieSealer(`${B},${A}`, "c");
    expect(rotated.open(old)).toEqual({ ...session, stale: true });
    expect(rotated.open(rotated.seal(session))?.stale).toBe(false);
  });

  it("ignores junk of every shape", () => {
    const sealer = new CookieSealer(A, "c");
    for (const junk of [
      "",
      "x",
      "../../etc/passwd",
      "é",
      "a".repeat(20_000),
      "AAAA",
      Buffer.alloc(80).toString("base64url"),
    ]) {
      expect(sealer.open(junk)).toBeUndefined();
    }
  });
});
