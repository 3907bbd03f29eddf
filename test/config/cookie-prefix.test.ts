/**
 * Review 17 (missing): RFC 6265bis cookie name prefixes and internationalized cookie domains are
 * checked by config check, not found out when a browser silently drops the cookie.
 */
import { describe, expect, it } from "vitest";
import { ok, problems } from "./_resolve.js";

const base = "[session]\nstorageType = ram\n";

describe("cookie name prefixes", () => {
  it.each([
    [
      "__Host- with a Domain",
      "cookieName = __Host-sid\ncookieSecure = true\ncookieDomain = example.com\n",
      "cookieDomain: a __Host- cookie must not have a Domain",
    ],
    [
      "__Host- with a Path",
      "cookieName = __Host-sid\ncookieSecure = true\ncookiePath = /app\n",
      "cookiePath: a __Host- cookie must have Path=/",
    ],
    [
      "__Host- not Secure",
      "cookieName = __Host-sid\ncookieSecure = false\n",
      "cookieSecure: a __Host- cookie must be Secure",
    ],
    ["__host- in lower case", "cookieName = __host-sid\n", "cookieSecure: a __Host- cookie must be Secure"],
    [
      "__Secure- not Secure",
      "cookieName = __Secure-sid\n",
      "cookieSecure: a __Secure- cookie must be Secure",
    ],
  ])("%s is refused", (_, lines, message) => {
    expect(problems(base + lines).join("\n")).toContain(message);
  });

  it.each([
    ["__Host- done right", "cookieName = __Host-sid\ncookieSecure = true\n"],
    ["__Host- with auto", "cookieName = __Host-sid\ncookieSecure = auto\n"],
    [
      "__Secure- with a Domain and Path",
      "cookieName = __Secure-sid\ncookieSecure = true\ncookieDomain = example.com\ncookiePath = /app\n",
    ],
  ])("%s is accepted", (_, lines) => {
    ok(base + lines);
  });
});

describe("an internationalized cookieDomain", () => {
  it.each([
    ["bücher.de", "xn--bcher-kva.de"],
    [".münchen.example", "xn--mnchen-3ya.example"],
  ])("%s gets its ASCII form as a hint", (domain, ascii) => {
    expect(problems(`${base}cookieDomain = ${domain}\n`).join("\n")).toContain(`ASCII form: ${ascii}`);
  });
});
