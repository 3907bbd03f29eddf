import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApp, type TestApp } from "../helpers/app.js";

const ROOT = `
class Admin {
  index() { return "admin index"; }
  users(request) { return "users " + (request.params.page ?? "1"); }
  _secret() { return "never"; }
}
export default class Root {
  admin = new Admin();
  data = { list: () => [1, 2], nested: { deep: () => ({ ok: true }) } };
  _private = { index: () => "never" };
  index() { return "<p>home</p>"; }
  hello(request) { return "hello " + request.params.name; }
  echo(request) { return { method: request.method, params: request.params }; }
  bytes() { return Buffer.from([1, 2, 3]); }
  nothing() {}
  async slow() { await new Promise((r) => setTimeout(r, 20)); return "late"; }
  teapot(_request, response) { response.status = 418; response.headers["X-Kind"] = "tea"; return "short and stout"; }
  go(_request, response) { response.redirect("/hello?name=redirected"); }
  boom() { throw new Error("kaboom"); }
  typed(_request, response) { response.headers["content-type"] = "text/plain"; return "plain"; }
  ["with space"]() { return "spaced"; }
}
`;

let app: TestApp;
beforeAll(async () => {
  app = await serveApp({ "src/root.ts": ROOT });
});
afterAll(() => app.close());

const get = (path: string, init?: RequestInit) =>
  fetch(new URL(path, app.url), { redirect: "manual", ...init });

describe("object publishing (docs/contract.md §2)", () => {
  it.each([
    ["/", 200, "<p>home</p>"],
    ["/hello?name=ada", 200, "hello ada"],
    ["/admin/", 200, "admin index"],
    ["/admin/users?page=3", 200, "users 3"],
    ["/data/nested/deep", 200, '{"ok":true}'],
    ["/slow", 200, "late"],
    ["/with%20space", 200, "spaced"],
  ])("GET %s answers %i", async (path, status, body) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(await res.text()).toBe(body);
  });

  it("redirects /admin to /admin/ keeping the query", async () => {
    const res = await get("/admin?x=1");
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/admin/?x=1");
  });

  it.each([
    "/missing",
    "/_private/",
    "/admin/_secret",
    "/constructor",
    "/__proto__",
    "/toString",
    "/hasOwnProperty",
    "/valueOf",
    "/admin/constructor",
    "/hello/extra",
    "/data/list/x",
    "/%E0%A4%A",
    "/admin/users/",
  ])("%s is a 404 with the 0.10 message", async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(`The path '${path}' was not found.\n`);
  });

  it("answers strings as HTML, Buffers as octet-stream, objects as JSON, nothing as empty", async () => {
    const html = await get("/");
    expect(html.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const bytes = await get("/bytes");
    expect(bytes.headers.get("content-type")).toBe("application/octet-stream");
    expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([1, 2, 3]);
    const list = await get("/data/list");
    expect(list.headers.get("content-type")).toContain("application/json");
    expect(await list.json()).toEqual([1, 2]);
    const empty = await get("/nothing");
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe("");
  });

  it("lets a handler set status and headers, and redirect with 303", async () => {
    const tea = await get("/teapot");
    expect(tea.status).toBe(418);
    expect(tea.headers.get("x-kind")).toBe("tea");
    const go = await get("/go");
    expect(go.status).toBe(303);
    expect(go.headers.get("location")).toBe("/hello?name=redirected");
    const typed = await get("/typed");
    expect(typed.headers.get("content-type")).toBe("text/plain");
  });

  it("answers a throwing handler with a generic 500 outside watch mode", async () => {
    const res = await get("/boom", { headers: { accept: "text/html" } });
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).toContain("500 Internal Server Error");
    expect(body).not.toContain("kaboom");
    expect(app.logger.lines.some((l) => l.includes("kaboom"))).toBe(true);
  });

  it("answers HEAD wherever GET works, with no body", async () => {
    const res = await get("/hello?name=x", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("7");
    expect(await res.text()).toBe("");
  });
});

describe("params and bodies", () => {
  it("merges the query string and a urlencoded body, body winning, repeats as arrays", async () => {
    const res = await get("/echo?a=1&b=2&b=3", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "a=9&c=%C3%A9",
    });
    expect(await res.json()).toEqual({ method: "POST", params: { a: "9", b: ["2", "3"], c: "é" } });
  });

  it("reads a JSON body", async () => {
    const res = await get("/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"n":1,"list":[1]}',
    });
    expect(await res.json()).toEqual({ method: "POST", params: { n: 1, list: [1] } });
  });

  it("answers malformed JSON with a 400 and keeps serving", async () => {
    const res = await get("/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(res.status).toBe(400);
    expect((await get("/")).status).toBe(200);
  });

  it("refuses a body over maxRequestBodySize (10 MiB by default) with 413", async () => {
    const res = await get("/echo", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "x".repeat(10 * 1024 * 1024 + 1),
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe("request body over 10485760 bytes\n");
    // Under the body limit: a 2 MiB body the handler reads itself (urlencoded and JSON bodies that
    // cherry parses into params stop at 1 MiB: test/server/params.test.ts).
    const under = await get("/echo", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "x".repeat(2 * 1024 * 1024),
    });
    expect(under.status).toBe(200);
  });

  it("takes its body limit from [server] maxRequestBodySize, for every kind of body", async () => {
    const small = await serveApp({
      "src/root.ts": ROOT,
      "RootServer.cfg": "[server]\nmaxRequestBodySize = 100\n",
    });
    try {
      const form = new FormData();
      form.append("f", new Blob(["x".repeat(200)]), "f.txt");
      for (const [type, body] of [
        ["text/plain", "x".repeat(101)],
        ["application/json", JSON.stringify({ a: "x".repeat(100) })],
        ["application/x-www-form-urlencoded", `a=${"x".repeat(100)}`],
        [undefined, form],
      ] as const) {
        const res = await fetch(new URL("/echo", small.url), {
          method: "POST",
          headers: type ? { "content-type": type } : {},
          body,
        });
        expect(res.status, type).toBe(413);
        expect(await res.text()).toBe("request body over 100 bytes\n");
      }
      expect((await fetch(new URL("/echo", small.url), { method: "POST", body: "a=1" })).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it("ignores __proto__ keys", async () => {
    const res = await get("/echo?__proto__=x", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"__proto__":{"polluted":1}}',
    });
    expect(await res.json()).toEqual({ method: "POST", params: {} });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("sessions off", () => {
  it("throws the 'sessions are not enabled' error when storageType is empty", async () => {
    const off = await serveApp({
      "src/root.ts": "export default { index(r) { return String(r.sessionMap.get('x')); } }",
    });
    try {
      const res = await fetch(off.url);
      expect(res.status).toBe(500);
      expect(off.logger.lines.join("\n")).toContain(
        "sessions are not enabled: set [session] storageType in RootServer.cfg",
      );
    } finally {
      await off.close();
    }
  });
});
