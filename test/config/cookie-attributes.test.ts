/**
 * The session cookie's name, path and domain follow RFC 6265's grammar, checked as config errors with
 * file:line or the variable's name, instead of a 503 on every session write that echoes the value.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApp, type TestApp } from "../helpers/app.js";
import { ok, problems } from "./_resolve.js";

describe("cookie attributes in RootServer.cfg", () => {
  it.each([
    ["cookiePath", "/; Domain=evil.example"],
    ["cookiePath", "/a b"],
    ["cookiePath", "app"],
    ["cookiePath", "/x%zz"],
    ["cookiePath", "/é"],
    ["cookieDomain", "example.com; Secure"],
    ["cookieDomain", "exa mple.com"],
    ["cookieDomain", "-bad.example"],
    ["cookieDomain", "example..com"],
    ["cookieDomain", "a_b.example"],
    ["cookieName", "a;b"],
    ["cookieName", "sid=1"],
    ["cookieName", "my cookie"],
    ["cookieName", "séance"],
  ])("%s = %s is an error with its line", (key, value) => {
    const [line] = problems(`[session]\nstorageType = ram\n${key} = ${value}\n`);
    expect(line).toMatch(new RegExp(`^RootServer.cfg:3: \\[session\\] ${key}: not a valid cookie`));
    expect(line).toContain("RFC 6265");
  });

  it.each([
    ["CHERRY_SESSION_COOKIEPATH", "/\r\nSet-Cookie: x=1", "cookiePath"],
    ["CHERRY_SESSION_COOKIE_PATH", "/ a", "cookiePath"],
    ["CHERRY_SESSION_COOKIEDOMAIN", "example.com\nX: y", "cookieDomain"],
    ["CHERRY_SESSION_COOKIENAME", "s\rid", "cookieName"],
  ])("%s from the environment is an error naming the variable", (name, value, key) => {
    const found = problems("[session]\nstorageType = ram\n", { env: { [name]: value } });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^env ${name}: \\[session\\] ${key}: not a valid cookie`));
    // Control characters are escaped, never written raw into the terminal.
    expect(found[0]).not.toMatch(/[\r\n]/);
  });

  it.each([
    ["cookiePath", "/"],
    ["cookiePath", "/app/v1.2/~me/%20x"],
    ["cookieDomain", "example.com"],
    ["cookieDomain", ".example.com"],
    ["cookieDomain", "127.0.0.1"],
    ["cookieName", "sid.v2_x"], // __Host- without Secure is refused: test/config/cookie-prefix.test.ts
  ])("%s = %s is accepted", (key, value) => {
    ok(`[session]\nstorageType = ram\n${key} = ${value}\n`);
  });
});

describe("a valid cookie path and domain reach the Set-Cookie header", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await serveApp({
      "RootServer.cfg": "[session]\nstorageType = ram\ncookiePath = /app\ncookieDomain = localhost.example\n",
      "src/root.ts":
        "export default { app: { index: (r: any) => { r.sessionMap.set('a', 1); return 'ok'; } } };\n",
    });
  });
  afterAll(() => app.close());

  it("sets them", async () => {
    const res = await fetch(new URL("/app/", app.url));
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/Domain=localhost\.example; Path=\/app/);
  });
});
