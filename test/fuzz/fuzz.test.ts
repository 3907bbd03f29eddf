/**
 * Property-based fuzzing with fast-check. CI runs a fixed seed; CHERRY_FUZZ_RUNS=100000 (and
 * CHERRY_FUZZ_SEED) run a longer, different campaign by hand.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIni } from "../../src/config/parse.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { resolveRoute } from "../../src/server/router.js";
import { CookieSealer } from "../../src/sessions/stores/cookie.js";
import { serveApp, type TestApp } from "../helpers/app.js";
import { rawGet } from "../helpers/raw.js";

const RUNS = Number(process.env.CHERRY_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.CHERRY_FUZZ_SEED ?? 20261126);
const params = (runs = RUNS) => ({ numRuns: runs, seed: SEED });

describe("sealed cookies", () => {
  const sealer = new CookieSealer("f".repeat(32), "CherryPySession");
  const sealed = Buffer.from(
    sealer.seal({ id: "a".repeat(40), data: { user: "ada", n: 1 }, expiresAt: 4e12 }),
    "base64url",
  );

  it("accepts no random bit flip, truncation or extension (10,000 cases)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: sealed.length * 8 - 1 }), { minLength: 1, maxLength: 4 }),
        fc.nat({ max: sealed.length }),
        fc.uint8Array({ maxLength: 8 }),
        (bits, cut, extra) => {
          const copy = Buffer.from(sealed);
          for (const bit of bits) copy[bit >> 3] ^= 1 << (bit & 7);
          const changed = !copy.equals(sealed);
          const variants = [copy, sealed.subarray(0, cut), Buffer.concat([sealed, Buffer.from(extra)])];
          for (const [i, v] of variants.entries()) {
            const same = v.equals(sealed) || (i === 0 && !changed);
            if (!same) expect(sealer.open(v.toString("base64url"))).toBeUndefined();
          }
        },
      ),
      params(10_000),
    );
  });
});

describe("config files", () => {
  const line = fc.oneof(
    fc.string(),
    fc.constantFrom("[server]", "[session]", "[staticContent]", "[", "]", "=", ";x", "#x", "\uFEFF[server]"),
    fc
      .tuple(fc.constantFrom("socketPort", "storageType", "timeout", "secret", "x", ""), fc.string())
      .map(([k, v]) => `${k}=${v}`),
  );

  it("never throws and reports every problem as FILE:LINE or env/flag", () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), fc.constantFrom("\n", "\r\n", "\r"), (lines, eol) => {
        const text = lines.join(eol);
        const result = resolveConfig(parseIni(text), {
          file: "/srv/app/RootServer.cfg",
          displayName: "RootServer.cfg",
          env: {},
        });
        const count = text.split(/\r\n|\n|\r/).length;
        for (const problem of result.problems) {
          const m = /^RootServer\.cfg:(\d+): /.exec(problem);
          expect(m, problem).not.toBeNull();
          expect(Number(m?.[1])).toBeGreaterThanOrEqual(1);
          expect(Number(m?.[1])).toBeLessThanOrEqual(count);
        }
        expect(result.config !== undefined || result.problems.length > 0).toBe(true);
      }),
      params(),
    );
  });
});

describe("object publishing", () => {
  class Inner {
    index() {
      return "inner";
    }
    _hidden() {
      return "never";
    }
  }
  class Root {
    inner = new Inner();
    index() {
      return "root";
    }
    page() {
      return "page";
    }
  }
  const root = new Root();
  const allowed = new Set([Root.prototype.index, Root.prototype.page, Inner.prototype.index]);
  const segment = fc.oneof(
    fc.constantFrom(
      "",
      "inner",
      "page",
      "index",
      "_hidden",
      "constructor",
      "__proto__",
      "toString",
      "hasOwnProperty",
      "valueOf",
      "..",
      "%2e%2e",
      "%5F_proto__",
      "prototype",
    ),
    fc.string(),
  );

  it("only ever reaches the app's own public methods", () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), (segments) => {
        const route = resolveRoute(root, `/${segments.join("/")}`);
        if (route.kind === "handler") expect(allowed.has(route.fn as never)).toBe(true);
      }),
      params(5000),
    );
  });
});

describe("hostile requests against a running server", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await serveApp({
      "RootServer.cfg":
        "[session]\nstorageType = file\nstorageFileDir = sessions\n[staticContent]\nstatic = public\n",
      "public/ok.txt": "ok",
      "secret.txt": "TOP SECRET",
      "src/root.ts": "export default { index(r) { return String(r.sessionMap.get('n', 0)); } }",
    });
  });
  afterAll(() => app.close());

  it("answers any Cookie header without a 5xx, creating no session file", async () => {
    const cookie = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.stringMatching(/^[0-9a-f]{40}$/),
      fc.tuple(fc.string(), fc.string()).map(([a, b]) => `CherryPySession=${a}; CherryPySession=${b}`),
      fc.string().map((s) => `CherryPySession="${s}"`),
      fc.string({ unit: "binary", maxLength: 200 }).map((s) => `CherryPySession=${encodeURIComponent(s)}`),
      fc.constant(`CherryPySession=${"a".repeat(8000)}`),
    );
    await fc.assert(
      fc.asyncProperty(cookie, async (value) => {
        const safe = value.replace(/[^\t\x20-\x7e]/g, "");
        const res = await fetch(app.url, { headers: { cookie: safe } });
        await res.text();
        expect(res.status === 200 || res.status === 431 || res.status === 400).toBe(true);
      }),
      params(Math.min(RUNS, 300)),
    );
    expect(readdirSync(path.join(app.dir, "sessions"))).toEqual([]);
  });

  it("never serves a file outside the static folder", async () => {
    const piece = fc.constantFrom(
      "..",
      "%2e%2e",
      "%2E%2E",
      ".",
      "%2f",
      "%5c",
      "\\",
      "%00",
      "secret.txt",
      "ok.txt",
      "public",
      "",
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 6 }), async (parts) => {
        const answer = await rawGet(app.url, `/static/${parts.join("/")}`);
        expect(answer).not.toContain("TOP SECRET");
        expect(answer).toMatch(/^HTTP\/1\.1 [234]\d\d /);
      }),
      params(Math.min(RUNS, 400)),
    );
  });
});
