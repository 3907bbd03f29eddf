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

describe("cookie sealer: one seal, one spelling", () => {
  const sealer = new CookieSealer(A, "CherryPySession");
  const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  /** Seals until one has `length % 4 === rest` (2: 4 unused low bits in the last character; 3: 2). */
  function sealWithRest(rest: number): string {
    for (let n = 0; ; n++) {
      const sealed = sealer.seal({ ...session, data: { pad: "x".repeat(n) } });
      if (sealed.length % 4 === rest) return sealed;
    }
  }

  it("refuses every last character that differs only in its unused low bits", () => {
    for (const rest of [2, 3]) {
      const sealed = sealWithRest(rest);
      expect(sealer.open(sealed)).toBeDefined();
      const body = sealed.slice(0, -1);
      const last = B64URL.indexOf(sealed.at(-1) ?? "");
      const unused = rest === 2 ? 4 : 2;
      let aliases = 0;
      for (let low = 1; low < 1 << unused; low++) {
        const alias = body + B64URL[last | low];
        expect(Buffer.from(alias, "base64url")).toEqual(Buffer.from(sealed, "base64url"));
        expect(sealer.open(alias), alias.slice(-4)).toBeUndefined();
        aliases++;
      }
      expect(aliases).toBe((1 << unused) - 1);
    }
  });

  it("refuses padding, standard base64 characters and whitespace", () => {
    let sealed = sealer.seal(session);
    while (!/[-_]/.test(sealed)) sealed = sealer.seal(session);
    const padded = sealed.length % 4 === 0 ? [] : [`${sealed}${"=".repeat(4 - (sealed.length % 4))}`];
    for (const variant of [
      ...padded,
      `${sealed}=`,
      `${sealed}==`,
      sealed.replace(/-/g, "+").replace(/_/g, "/"),
      ` ${sealed}`,
      `${sealed} `,
      `${sealed.slice(0, 10)} ${sealed.slice(10)}`,
      `${sealed.slice(0, 10)}\t${sealed.slice(10)}`,
      `${sealed.slice(0, 10)}\n${sealed.slice(10)}`,
    ]) {
      expect(Buffer.from(variant, "base64url").equals(Buffer.from(sealed, "base64url"))).toBe(true);
      expect(sealer.open(variant), JSON.stringify(variant.slice(-6))).toBeUndefined();
    }
  });
});
