/**
 * No value of a secret key (`secret`, `siteKey`, a password anywhere a driver reads it in
 * `storageUrl`) appears in any output, whatever the line's mistake: its length is shown instead.
 */
import { describe, expect, it } from "vitest";
import { describeSecret, redact, scrub, secretFragments } from "../../src/config/redact.js";
import { cherry } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { resolve } from "./_resolve.js";

const SECRET = "Sup3rS3cretValueThatMustNeverBePrinted42";
const PASSWORD = "DbPassw0rdThatMustNotShow";

/** Every line resolving prints: problems and notes. */
function output(text: string, env: NodeJS.ProcessEnv = {}): string {
  const result = resolve(text, { env });
  return [...result.problems, ...(result.config?.notes ?? [])].join("\n");
}

describe("a mistyped secret line is never echoed", () => {
  it.each([
    ["no delimiter", `[session]\nsecret ${SECRET}\n`],
    ["misspelled key, no delimiter", `[session]\nsekret ${SECRET}\n`],
    ["siteKey, any case, no delimiter", `[server]\nSITEKEY ${SECRET}\n`],
    [
      "storageUrl with a password, no delimiter",
      `[session]\nstorageUrl redis://:${SECRET}@127.0.0.1:6379/0\n`,
    ],
    ["a bare value line", `[session]\n${SECRET}\n`],
    ["an indented value right after the header", `[session]\n   ${SECRET}\n`],
    ["junk after a header", `[session] secret = ${SECRET}\n`],
    ["an entry before any section", `secret = ${SECRET}\n[session]\n`],
    ["a malformed key", `[session]\nsecret "x" = ${SECRET}\n`],
    ["a duplicate secret line", `[session]\nsecret = ${SECRET}\nSecret = ${SECRET}x\n`],
    ["a secret in the wrong section", `[server]\nsecret = ${SECRET}\n`],
    ["a misspelled secret key", `[session]\nsecrte = ${SECRET}\n`],
    ["a too-short rotation key", `[session]\nsecret = ${SECRET},short\n`],
    ["a secret cut by an inline comment", `[session]\nsecret = ${SECRET} ;${SECRET}\n`],
    ["a secret pulled into another key", `[session]\nsecret = ${SECRET}\ncookieName = %(secret)s;\n`],
    [
      "a [DEFAULT] secret pulled into a path",
      `[DEFAULT]\nsecret = ${SECRET}\n[session]\ncookiePath = /%(secret)s;\n`,
    ],
    [
      "a secret pulled through another name",
      `[DEFAULT]\nk = %(secret)s\nsecret = ${SECRET}\n[session]\ncookieDomain = %(k)s!\n`,
    ],
  ])("%s", (_, text) => {
    const out = output(`${text}[server]\nsocketPort = eighty\n`);
    expect(out).toContain("socketPort");
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain("Sup3r");
    expect(out).not.toContain("Printed42");
  });

  it("says the length instead", () => {
    expect(output(`[session]\nsecret ${SECRET}\n`)).toContain(
      `got ${SECRET.length + 7} characters, not shown`,
    );
    // A secret pulled into a public key is refused outright.
    expect(output(`[session]\nsecret = ${SECRET}\ncookieName = %(secret)s;\n`)).toContain("pulls a secret");
  });

  it("still quotes a mistyped line that holds no secret, with a suggestion", () => {
    expect(output("[server]\nsocketPort 8080\n")).toContain(
      'got "socketPort 8080"); did you mean "socketPort = 8080"?',
    );
  });

  it("hides secrets given in the environment", () => {
    const out = output("[session]\nstorageType = redis\n", {
      CHERRY_SESSION_STORAGEURL: `postgres://u:${PASSWORD}@127.0.0.1:1/x`,
      CHERRY_SESSION_SECRET: "tooShortButSecret",
      CHERRY_SESSION_COOKIENAME: `${SECRET};`,
      CHERRY_SERVER_SITE_KEY: SECRET.slice(0, 20),
    });
    expect(out).toContain("env CHERRY_SESSION_STORAGEURL");
    for (const value of [PASSWORD, "tooShortButSecret", SECRET, SECRET.slice(0, 20)])
      expect(out).not.toContain(value);
  });
});

describe("URL passwords are hidden wherever a driver reads them", () => {
  it.each([
    ["redis://u:hunter2@h:6379/0", "redis://u:***@h:6379/0"],
    ["redis://:hunter2@h:6379/0", "redis://:***@h:6379/0"],
    ["redis://u:p@ss@127.0.0.1:1/0", "redis://u:***@127.0.0.1:1/0"],
    ["redis://u:p@s/s@127.0.0.1:1/0", "redis://u:***@127.0.0.1:1/0"],
    ["rediss://u:pa?ss@h/0", "rediss://u:***@h/0"],
    ["postgres://u@127.0.0.1:1/x?password=DbPassw0rd", "postgres://u@127.0.0.1:1/x?password=***"],
    [
      "postgres://u@h/x?sslmode=require&sslpassword=k3y&application_name=app",
      "postgres://u@h/x?sslmode=require&sslpassword=***&application_name=app",
    ],
    ["postgresql://u:a@h/x?pass=1&Password=2#frag", "postgresql://u:***@h/x?pass=***&Password=***#frag"],
    ["redis://h:6379/0?prefix=myapp:", "redis://h:6379/0?prefix=myapp:"],
    ["postgres://app@h:5432/db", "postgres://app@h:5432/db"],
  ])("%s -> %s", (url, shown) => {
    expect(redact(url)).toBe(shown);
  });

  it("takes the passwords, decoded and not, as fragments to scrub", () => {
    const fragments = secretFragments("postgres://u:p%40ssword1@h/x?password=DbPassw0rd");
    expect(fragments).toEqual(expect.arrayContaining(["p%40ssword1", "p@ssword1", "DbPassw0rd"]));
    expect(scrub("auth failed for p@ssword1", fragments)).toBe("auth failed for (9 characters)");
  });

  it("describes a secret by its length and key count", () => {
    expect(describeSecret("a".repeat(40))).toBe("(secret: 40 characters)");
    expect(describeSecret(`${"a".repeat(32)},${"b".repeat(32)}`)).toBe("(secret: 2 keys, 65 characters)");
  });
});

describe("every command", () => {
  const cases: [string, string][] = [
    [
      "postgres ?password=",
      `[session]\nstorageType = postgres\nstorageUrl = postgres://u@127.0.0.1:1/x?password=${PASSWORD}\n`,
    ],
    [
      "redis password with a raw @",
      `[session]\nstorageType = redis\nstorageUrl = redis://u:p@${PASSWORD}@127.0.0.1:1/0\n`,
    ],
  ];

  it.each(cases)("config show hides the %s", async (_, cfg) => {
    const dir = tempDir({ "RootServer.cfg": cfg });
    const shown = await cherry(["config", "show"], { cwd: dir });
    const json = await cherry(["config", "show", "--json"], { cwd: dir });
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toContain("***");
    for (const out of [shown.stdout, shown.stderr, json.stdout, json.stderr])
      expect(out).not.toContain(PASSWORD);
  });

  it.each(cases)("serve's startup error hides the %s", async (_, cfg) => {
    const dir = tempDir({
      "RootServer.cfg": `[server]\nsocketPort = 0\n${cfg}`,
      "src/root.ts": "export default { index: () => 'x' };\n",
    });
    const result = await cherry(["serve", "--no-watch"], { cwd: dir, timeout: 30_000 });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/cannot (use|reach)/);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });

  it.each(cases)("sessions ls and purge hide the %s when the store is down", async (_, cfg) => {
    const dir = tempDir({ "RootServer.cfg": cfg });
    for (const args of [
      ["sessions", "ls"],
      ["sessions", "purge", "--json"],
    ]) {
      const result = await cherry(args, { cwd: dir, timeout: 30_000 });
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/cannot (use|reach)/);
      expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    }
  });

  it.each([
    ["config", "check"],
    ["config", "show"],
    ["serve", "--no-watch"],
    ["sessions", "ls"],
    ["config", "set", "server.socketPort", "81"],
  ])("cherry %s %s prints a mistyped secret line's length only", async (...args) => {
    const dir = tempDir({
      "RootServer.cfg": `[session]\nstorageType = file\nstorageFileDir = s\nsecret ${SECRET}\n`,
    });
    const result = await cherry(args, { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("RootServer.cfg:4: [session]: not a key = value line");
    expect(result.stdout + result.stderr).not.toContain("Sup3r");
  });
});
