/**
 * Review 17, findings 6 and 7: a storageUrl that the drivers' URL parser rejects is a config error
 * with its line (not a crash when the store opens), and one mistake gives one error.
 */
import { describe, expect, it } from "vitest";
import { cherry } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { problems } from "./_resolve.js";

describe("a storageUrl new URL() rejects is reported by config check", () => {
  it.each([
    ["redis", "redis://u:pw@127.0.0.1:99999/0"],
    ["redis", "redis://u:p@ss/w0rd@h:1/0"],
    ["redis", "redis://:pw@[::1/0"],
    ["postgres", "postgres://u:pw@db.internal:5432x/db"],
    ["postgres", "postgres://u:pw@[::1/db"],
  ])("%s %s", (type, url) => {
    const found = problems(`[session]\nstorageType = ${type}\nstorageUrl = ${url}\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^RootServer\.cfg:3: \[session\] storageUrl: not a valid URL/);
    expect(found[0]).not.toContain("pw");
  });

  it("sessions ls gives the config error, no stack", async () => {
    const dir = tempDir({
      "RootServer.cfg": "[session]\nstorageType = redis\nstorageUrl = redis://u:pw@127.0.0.1:99999/0\n",
    });
    const result = await cherry(["sessions", "ls"], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("RootServer.cfg:3: [session] storageUrl: not a valid URL");
    expect(result.stderr).not.toContain("unexpected error");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("one error per mistake", () => {
  it("a storageFileDir that failed interpolation is not also reported missing", () => {
    const found = problems("[session]\nstorageType = file\nstorageFileDir = %(here)s/sessions\n");
    expect(found).toHaveLength(1);
    expect(found[0]).toContain("%(here)s names no key");
  });

  it.each([
    ["no delimiter", "secret 0123456789abcdef0123456789abcdef"],
    ["misspelled", "secrte 0123456789abcdef0123456789abcdef"],
  ])("a mistyped secret line (%s) is not also reported missing", (_, line) => {
    const found = problems(`[session]\nstorageType = cookie\n${line}\n`);
    expect(found).toHaveLength(1);
    expect(found.join("\n")).not.toContain("the cookie store needs a secret");
  });

  it("a secret pulled into a path is one error", () => {
    const found = problems(
      "[DEFAULT]\nsecret = 0123456789abcdef0123456789abcdef\n[session]\nstorageType = file\nstorageFileDir = %(secret)s\n",
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toContain("pulls a secret");
  });
});

describe("section names", () => {
  it.each([
    ["default", "DEFAULT"],
    ["Session", "session"],
    ["CACHE", "cache"],
  ])("[%s] gets a did-you-mean [%s] and the full list", (typed, meant) => {
    const found = problems(`[${typed}]\ntimeout = 30\n`).join("\n");
    expect(found).toContain(`did you mean "${meant}"?`);
    expect(found).toContain("[DEFAULT], [server], [session], [staticContent], [cache]");
  });
});

describe("an indented entry right after a header", () => {
  it.each([
    ["[server]\n  socketPort = 8080\n"],
    ["[session]\n\ttimeout = 30\n"],
    ["[server]\n; c\n socketHost = x\n"],
  ])("%j is refused as ConfigParser did", (text) => {
    const found = problems(text).join("\n");
    expect(found).toContain("indented line with no entry above it to continue");
    expect(found).toMatch(/RootServer\.cfg:[23]:/);
  });
});
