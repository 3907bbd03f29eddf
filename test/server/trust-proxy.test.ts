/**
 * `[server] trustProxy` and `cookieSecure = auto` behind a reverse proxy that terminates TLS: the
 * proxy's X-Forwarded-Proto / Forwarded proto= is believed only from the addresses listed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { serveApp, type TestApp } from "../helpers/app.js";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const start = (server: string) =>
  serveApp({ "RootServer.cfg": `[server]\n${server}\n[session]\nstorageType = ram\ncookieSecure = auto\n` });

async function cookieFor(headers: Record<string, string>): Promise<string> {
  const res = await fetch(app?.url ?? "", { headers });
  return res.headers.get("set-cookie") ?? "";
}

describe("cookieSecure = auto behind a proxy", () => {
  it("sets Secure when a trusted proxy reports https, by either header", async () => {
    app = await start("trustProxy = loopback");
    expect(await cookieFor({ "x-forwarded-proto": "https" })).toMatch(/; Secure/);
    expect(await cookieFor({ forwarded: 'for=203.0.113.9;proto="https";host=example.com' })).toMatch(
      /; Secure/,
    );
    expect(
      await cookieFor({ forwarded: "for=198.51.100.1;proto=http, for=203.0.113.9;proto=HTTPS" }),
    ).toMatch(/; Secure/);
  });

  it("believes the nearest proxy's value (the last one), which a client cannot forge in front of it", async () => {
    app = await start("trustProxy = 127.0.0.1/32, ::1");
    expect(await cookieFor({ "x-forwarded-proto": "https, http" })).not.toMatch(/Secure/);
    expect(await cookieFor({ "x-forwarded-proto": "http, https" })).toMatch(/; Secure/);
    expect(await cookieFor({ forwarded: "proto=https, proto=http" })).not.toMatch(/Secure/);
    // Forwarded, the standard one, wins over X-Forwarded-Proto when both are there.
    expect(await cookieFor({ forwarded: "proto=http", "x-forwarded-proto": "https" })).not.toMatch(/Secure/);
  });

  it("falls back to X-Forwarded-Proto when the proxy's Forwarded element names no proto", async () => {
    app = await start("trustProxy = loopback");
    // A proxy that sets only X-Forwarded-Proto and passes a client's Forwarded on.
    expect(await cookieFor({ forwarded: "for=1.2.3.4", "x-forwarded-proto": "https" })).toMatch(/; Secure/);
    expect(
      await cookieFor({ forwarded: "for=1.2.3.4;proto=https, for=5.6.7.8", "x-forwarded-proto": "https" }),
    ).toMatch(/; Secure/);
    expect(await cookieFor({ forwarded: "for=1.2.3.4", "x-forwarded-proto": "http" })).not.toMatch(/Secure/);
    expect(await cookieFor({ forwarded: "for=1.2.3.4;proto=https, for=5.6.7.8" })).not.toMatch(/Secure/);
  });

  it("ignores the headers by default and from addresses not listed", async () => {
    app = await start("");
    expect(await cookieFor({ "x-forwarded-proto": "https" })).not.toMatch(/Secure/);
    expect(await cookieFor({ forwarded: "proto=https" })).not.toMatch(/Secure/);
    await app.close();
    app = await start("trustProxy = 10.0.0.0/8, 192.168.0.1");
    const cookie = await cookieFor({ "x-forwarded-proto": "https", forwarded: "proto=https" });
    expect(cookie).toMatch(/^CherryPySession=/);
    expect(cookie).not.toMatch(/Secure/);
  });

  it("shows the same scheme to the handler (request.secure)", async () => {
    app = await serveApp({
      "RootServer.cfg": "[server]\ntrustProxy = loopback\n",
      "src/root.ts": "export default { index: (request) => String(request.secure) };",
    });
    expect(await (await fetch(app.url, { headers: { "x-forwarded-proto": "https" } })).text()).toBe("true");
    expect(await (await fetch(app.url)).text()).toBe("false");
  });
});
