/** Secrets on the less obvious paths to output: pulled by %(name)s, inside URLs, on odd lines (SECURITY.md). */
import { describe, expect, it } from "vitest";
import { redact } from "../../src/config/redact.js";
import { cherry } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const SECRET = "Sup3rS3cretValueThatMustNeverBePrinted42";
const PASSWORD = "DbPassw0rdThatMustNotShow";

describe("secrets pulled into other keys by %(name)s", () => {
  it.each([
    [
      "cookieName",
      `[DEFAULT]\nsecret = ${SECRET}\n[session]\nstorageType = cookie\ncookieName = %(secret)s\n`,
    ],
    [
      "logFile",
      `[DEFAULT]\nsecret = ${SECRET}\n[server]\nlogFile = logs/%(secret)s.log\n[session]\nstorageType = cookie\n`,
    ],
    [
      "staticContent",
      `[DEFAULT]\nsecret = ${SECRET}\n[session]\nstorageType = cookie\n[staticContent]\nx = %(secret)s\n`,
    ],
  ])("config show does not print a secret interpolated into %s", async (_, cfg) => {
    const dir = tempDir({ "RootServer.cfg": cfg });
    for (const args of [
      ["config", "show"],
      ["config", "show", "--json"],
      ["config", "check"],
    ]) {
      const result = await cherry(args, { cwd: dir });
      expect(result.stdout + result.stderr).not.toContain(SECRET);
    }
  });
});

describe("a URL password is hidden whatever the mistake after the @", () => {
  it.each([
    `postgres://u:${PASSWORD}@localhost:\${PGPORT}/db`,
    `postgres://u:${PASSWORD}@db.internal:5432x/db`,
    `postgres://u:${PASSWORD}@[::1/db`,
    `postgres://u:${PASSWORD}@h1:5432,h2:5432/db`,
  ])("redact(%s)", (url) => {
    expect(redact(url)).not.toContain(PASSWORD);
  });
});

describe("more lines that carry a secret", () => {
  it.each([
    [
      "a secret in [staticContent]",
      `[session]\nstorageType = ram\n[staticContent]\nsecret = ${SECRET}\n`,
      ["config", "show"],
    ],
    [
      "two lines merged (lost newline)",
      `[session]\nstorageType = cookie\ntimeout = 30 secret = ${SECRET}\n`,
      ["config", "check"],
    ],
    ["merged into storageType", `[session]\nstorageType = cookie secret = ${SECRET}\n`, ["config", "check"]],
    ["merged, no delimiters", `[session]\ntimeout 30 secret ${SECRET}\n`, ["config", "check"]],
  ])("%s", async (_, cfg, args) => {
    const dir = tempDir({ "RootServer.cfg": cfg });
    const result = await cherry(args, { cwd: dir });
    expect(result.stdout + result.stderr).not.toContain(SECRET);
  });
});
