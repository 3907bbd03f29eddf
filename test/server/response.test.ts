/**
 * What a handler sets on `response` is checked before its session is saved (SECURITY.md): a status
 * or header Node cannot send is the handler's error (a clean 500, nothing saved), and redirect()
 * percent-encodes what a Location header cannot carry.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, serveApp, type TestApp } from "../helpers/app.js";

const ROOT = `
const STATUSES = { zero: 0, n99: 99, n100: 100, n1000: 1000, nan: Number.NaN, frac: 1.5, abc: "abc", str: "200", neg: -1, inf: Infinity };
const HEADERS = {
  crlf: ["X-A", "a\\r\\nSet-Cookie: stolen=1"],
  lf: ["X-A", "a\\nb"],
  nul: ["X-A", "a\\u0000b"],
  wide: ["X-A", "\\u0100"],
  undef: ["X-A", undefined],
  object: ["X-A", { a: 1 }],
  arrayBad: ["X-A", ["ok", "b\\r\\nc"]],
  space: ["Bad Name", "v"],
  colon: ["X:Y", "v"],
  empty: ["", "v"],
  accent: ["X-é", "v"],
  nameCrlf: ["X-A\\r\\nX-B", "v"],
  location: ["Location", "/a\\r\\nSet-Cookie: stolen=1"],
};
const count = (r) => { const n = r.sessionMap.get("n", 0) + 1; r.sessionMap.set("n", n); return n; };
export default {
  index(r) { return "n=" + count(r); },
  status(r, res) { count(r); res.status = STATUSES[r.params.s]; return "changed"; },
  header(r, res) { count(r); const [k, v] = HEADERS[r.params.h]; res.headers[k] = v; return "changed"; },
  circular(r) { count(r); const o = {}; o.self = o; return o; },
  bigint(r) { count(r); return { big: 1n }; },
  go(r, res) { res.redirect(r.params.to); },
  goRaw(_r, res) { res.redirect("/a\\r\\nSet-Cookie: stolen=1"); },
  goLone(_r, res) { res.redirect("/x\\ud800y"); },
  ok(r, res) { count(r); res.status = 201; res.headers["X-List"] = ["a", "b"]; res.headers["X-N"] = 5; return "fine"; },
};
`;

const STATUSES = ["zero", "n99", "n100", "n1000", "nan", "frac", "abc", "str", "neg", "inf"];
const HEADERS = [
  "crlf",
  "lf",
  "nul",
  "wide",
  "undef",
  "object",
  "arrayBad",
  "space",
  "colon",
  "empty",
  "accent",
  "nameCrlf",
  "location",
];

for (const watch of [false, true]) {
  describe(`invalid status or headers (${watch ? "watch mode" : "--no-watch"})`, () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await serveApp(
        { "RootServer.cfg": "[session]\nstorageType = ram\n", "src/root.ts": ROOT },
        { watch },
      );
    });
    afterAll(() => app.close());

    async function expectNothingSaved(pathname: string, reason: RegExp) {
      const browser = new Client(app.url);
      expect(await browser.text("/")).toMatch(/^n=1/);
      const res = await browser.get(pathname);
      const body = await res.text();
      expect(res.status).toBe(500);
      expect(res.statusText).toBe("Internal Server Error");
      expect(res.headers.get("set-cookie")).toBeNull();
      expect(res.headers.get("x-a")).toBeNull();
      expect(body).not.toContain("changed");
      if (watch) expect(body).toMatch(reason);
      else expect(body).not.toMatch(reason);
      // The handler's session change was not saved: the next visit counts 2, not 3.
      expect(await browser.text("/")).toMatch(/^n=2/);
      // A cookieless visitor gets no session either.
      expect((await fetch(new URL(pathname, app.url))).headers.get("set-cookie")).toBeNull();
    }

    it.each(STATUSES)("status %s: a 500, the session not saved", async (s) => {
      await expectNothingSaved(`/status?s=${s}`, /response\.status must be an integer from 200 to 599/);
    });

    it.each(HEADERS)("header %s: a 500, the session not saved", async (h) => {
      await expectNothingSaved(`/header?h=${h}`, /header/);
    });

    it.each(["circular", "bigint"])(
      "a %s return value that has no JSON: a 500, the session not saved",
      async (p) => {
        await expectNothingSaved(`/${p}`, /TypeError/);
      },
    );

    it("sends valid statuses and headers, numbers and arrays included, and saves", async () => {
      const browser = new Client(app.url);
      const res = await browser.get("/ok");
      expect(res.status).toBe(201);
      expect(res.headers.get("x-list")).toBe("a, b");
      expect(res.headers.get("x-n")).toBe("5");
      expect(await browser.text("/")).toMatch(/^n=2/);
    });
  });
}

describe("response.redirect()", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await serveApp({ "src/root.ts": ROOT });
  });
  afterAll(() => app.close());

  it.each([
    ["/café?q=ü", "/caf%C3%A9?q=%C3%BC"],
    ["/日本/路径", "/%E6%97%A5%E6%9C%AC/%E8%B7%AF%E5%BE%84"],
    ["/a b", "/a%20b"],
    ["/already%20encoded%C3%A9", "/already%20encoded%C3%A9"],
    ["/100%", "/100%25"],
    ["https://example.test/ok?x=1#frag", "https://example.test/ok?x=1#frag"],
    ["/tab\there", "/tab%09here"],
  ])("percent-encodes %s as %s", async (to, location) => {
    const res = await fetch(`${app.url}/go?to=${encodeURIComponent(to)}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(location);
  });

  it("never lets CR/LF into the Location header", async () => {
    const res = await fetch(`${app.url}/goRaw`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/a%0D%0ASet-Cookie:%20stolen=1");
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("replaces a lone surrogate instead of failing", async () => {
    const res = await fetch(`${app.url}/goLone`, { redirect: "manual" });
    expect(res.headers.get("location")).toBe("/x%EF%BF%BDy");
  });
});
