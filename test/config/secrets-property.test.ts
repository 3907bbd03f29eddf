/**
 * Property tests for "No secret is ever printed" (SECURITY.md): generated RootServer.cfg files put a
 * secret in every position, section and mistake; every command's output is checked. Two layers:
 * resolving (problems and notes hold no secret even before the output guard; the guard's fragments
 * cover the secret wherever it was written) and the real CLI (config check/show/show --json,
 * sessions ls), whose stdout and stderr never hold it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeConfig } from "../../src/cli/config.js";
import { textSecrets } from "../../src/config/_echo.js";
import { redact, scrub } from "../../src/config/redact.js";
import { cherry } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { resolve } from "./_resolve.js";

/** A secret as a user may write it: 16–40 characters, no space, `;`, `%` or `#` (those end or change a value). */
const secretArb = fc
  .stringMatching(/^[A-Za-z0-9!@$^&*_+\-./:=,~]{16,40}$/)
  .filter((s) => /[A-Za-z0-9]{6}/.test(s) && !/^[=:]/.test(s) && !s.includes(","));

/** Where and how the secret is written: each a RootServer.cfg text holding `S`. */
const placements: readonly ((s: string) => string)[] = [
  (s) => `[session]\nstorageType = cookie\nsecret = ${s}\n`,
  (s) => `[server]\nsecret = ${s}\n`,
  (s) => `[staticContent]\nsecret = ${s}\nsiteKey = ${s}\n`,
  (s) => `[cache]\nsecret = ${s}\n`,
  (s) => `[sesion]\nsecret = ${s}\n`,
  (s) => `secret = ${s}\n[session]\n`,
  (s) => `[session]\nsecret ${s}\n`,
  (s) => `[session]\nsekret = ${s}\n`,
  (s) => `[session]\nSECRET: ${s}\n`,
  (s) => `[server]\nSiteKey = ${s}\n`,
  (s) => `[session]\ntimeout = 30 secret = ${s}\n`,
  (s) => `[session]\nstorageType = cookie secret = ${s}\n`,
  (s) => `[session]\ntimeout 30 secret ${s}\n`,
  (s) => `[session]\ncookieName = x\u2028secret = ${s}\n`,
  (s) => `[session]\n  secret = ${s}\n`,
  (s) => `[DEFAULT]\nsecret = ${s}\n[session]\nstorageType = cookie\ncookieName = %(secret)s\n`,
  (s) => `[DEFAULT]\nsecret = ${s}\n[session]\nstorageType = cookie\ncookiePath = /%(secret)s\n`,
  (s) => `[DEFAULT]\nsecret = ${s}\n[server]\nlogFile = logs//%(secret)s.log\n`,
  (s) => `[DEFAULT]\nsecret = ${s}\n[server]\nappModule = src/./%(secret)s.ts\n`,
  (s) => `[DEFAULT]\nsecret = ${s}\n[server]\nsslKeyFile = %(secret)s.key\n`,
  (s) => `[DEFAULT]\nsecret = ${s}\nk = %(secret)s\n[session]\nstorageFileDir = %(k)s\n`,
  (s) => `[DEFAULT]\nsecret = ${s}\n[staticContent]\nx = %(secret)s\n`,
];

const hosts = [
  `localhost:${"$"}{PGPORT}`,
  "db.internal:5432x",
  "[::1",
  "h1:5432,h2:5432",
  "h:99999",
  "h",
  "",
];

describe("property: a secret written anywhere never reaches resolve's output", () => {
  it("problems and notes never hold it; the output guard's fragments cover every printed form", () => {
    fc.assert(
      fc.property(secretArb, fc.nat(placements.length - 1), (secret, which) => {
        const text = placements[which](secret);
        const result = resolve(text);
        const fragments = [...result.fragments, ...textSecrets(text)].sort((a, b) => b.length - a.length);
        const printed = [...result.problems, ...(result.config?.notes ?? [])].join("\n");
        expect(printed).not.toContain(secret);
        const shown = result.config ? JSON.stringify(describeConfig(result.config, "RootServer.cfg")) : "";
        expect(scrub(`${printed}\n${shown}\n${secret}`, fragments)).not.toContain(secret);
      }),
      { numRuns: 400 },
    );
  });

  it("a storageUrl password is covered whatever follows the @", () => {
    const password = fc
      .string({ minLength: 10, maxLength: 30, unit: "grapheme-ascii" })
      .filter((p) => !/[\s;%#]/.test(p) && /[A-Za-z0-9]{8}/.test(p));
    fc.assert(
      fc.property(
        password,
        fc.constantFrom(...hosts),
        fc.constantFrom("postgres", "redis"),
        (pw, host, scheme) => {
          const url = `${scheme}://u:${pw}@${host}/db`;
          expect(redact(url)).not.toContain(pw);
          const result = resolve(`[session]\nstorageType = ${scheme}\nstorageUrl = ${url}\n`);
          expect(result.problems.join("\n")).not.toContain(pw);
          expect(scrub(url, result.fragments)).not.toContain(pw);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("property: the CLI never prints a secret", () => {
  it("config check, show, show --json and sessions ls", { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(secretArb, fc.nat(placements.length - 1), async (secret, which) => {
        const dir = tempDir({ "RootServer.cfg": placements[which](secret) });
        for (const args of [
          ["config", "check"],
          ["config", "show"],
          ["config", "show", "--json"],
          ["sessions", "ls"],
        ]) {
          const result = await cherry(args, { cwd: dir, timeout: 30_000 });
          expect(result.stdout + result.stderr).not.toContain(secret);
        }
      }),
      { numRuns: 8 },
    );
  });
});
