/**
 * A session cookie is taken exactly as cherry sent it: another spelling of the same value (the last
 * base64url character's unused bits, padding, percent-encoding, quotes) is not that session and
 * gets a fresh one, for the sealed cookie store and for server-side ids alike.
 */
import { describe, expect, it } from "vitest";
import { Client, countOf, serveApp } from "../helpers/app.js";

const SECRET = "0123456789abcdef0123456789abcdef";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Visits twice with `client`, then sends each variant: each must start over (count 1). */
async function respellings(store: string, variants: (value: string) => string[]) {
  const app = await serveApp({ "RootServer.cfg": `[session]\n${store}\n` });
  try {
    const client = new Client(app.url);
    await client.text("/");
    expect(countOf(await client.text("/"))).toBe(2);
    const value = client.jar.get("CherryPySession") ?? "";
    const tried = variants(value);
    expect(tried.length).toBeGreaterThan(0);
    for (const variant of tried) {
      expect(variant).not.toBe(value);
      const res = await fetch(app.url, { headers: { cookie: `CherryPySession=${variant}` } });
      expect(countOf(await res.text()), variant).toBe(1);
    }
    expect(countOf(await client.text("/"))).toBe(3);
  } finally {
    await app.close();
  }
}

const percentEncoded = (value: string) => [
  `%${value.charCodeAt(0).toString(16).toUpperCase()}${value.slice(1)}`,
  `${value.slice(0, -1)}%${value.charCodeAt(value.length - 1).toString(16)}`,
  `"${value}"`,
];

describe("only the spelling cherry sent opens a session", () => {
  it("cookie store: aliases of the last character, padding, percent-encoding and quotes", async () => {
    await respellings(`storageType = cookie\nsecret = ${SECRET}`, (sealed) => {
      const unused = sealed.length % 4 === 2 ? 4 : sealed.length % 4 === 3 ? 2 : 0;
      const last = B64URL.indexOf(sealed.at(-1) ?? "");
      const aliases = Array.from(
        { length: (1 << unused) - 1 },
        (_, i) => sealed.slice(0, -1) + B64URL[last ^ (i + 1)],
      );
      return [...aliases, `${sealed}=`, `${sealed}==`, ...percentEncoded(sealed)];
    });
  });

  it("ram store: a percent-encoded or quoted id", async () => {
    await respellings("storageType = ram", percentEncoded);
  });
});
