/**
 * Every reading of a CherryPy 0.10 file is checked against the value Python 2's ConfigParser gives:
 * the expected objects below are the output of Python 2.7.18's `ConfigParser.ConfigParser()` on the
 * same text (`cp.get(section, option)` for each of `cp.options(section)`, as printed by
 * scripts/configparser-oracle.py), pasted here so the suite needs no Python. Where Python raised,
 * cherry reports a precise error instead.
 */
import { describe, expect, it } from "vitest";
import { readValue } from "../../src/config/_interpolate.js";
import { parseIni } from "../../src/config/parse.js";
import { ok, problems } from "./_resolve.js";

/** What ConfigParser's items() gave: every section's options (with [DEFAULT]'s), interpolated. */
function asConfigParser(text: string): Record<string, Record<string, string>> {
  const parsed = parseIni(text);
  expect(parsed.problems).toEqual([]);
  const out: Record<string, Record<string, string>> = {};
  for (const section of parsed.sections) {
    out[section.name] = {};
    const names = new Set(section.entries.map((e) => e.name));
    const entries = [
      ...section.entries,
      ...(parsed.defaults?.entries ?? []).filter((e) => !names.has(e.name)),
    ];
    for (const entry of entries) {
      const value = readValue(entry, section, parsed.defaults);
      out[section.name][entry.name] = value.ok ? value.value : `ERROR ${value.message}`;
    }
  }
  return out;
}

const PYTHON2: [string, string, Record<string, Record<string, string>>][] = [
  ["':' is a delimiter", "[server]\nsocketPort: 8080\n", { server: { socketport: "8080" } }],
  [
    "the first of = and : splits",
    "[session]\nstorageUrl: redis://h:6379/0?prefix=a\n",
    { session: { storageurl: "redis://h:6379/0?prefix=a" } },
  ],
  [
    "'=' before ':'",
    "[session]\nstorageUrl = redis://h:1/0\nsecret:a=b\n",
    {
      session: { storageurl: "redis://h:1/0", secret: "a=b" },
    },
  ],
  [
    "an inline ; comment after whitespace",
    "[server]\nsocketPort = 8080 ; the port\n",
    { server: { socketport: "8080" } },
  ],
  [
    "only the first ; is looked at",
    "[session]\nsecret = abc;def ;ghi\n",
    { session: { secret: "abc;def ;ghi" } },
  ],
  ["the first ; after a space cuts", "[session]\nsecret = abc ;def;ghi\n", { session: { secret: "abc" } }],
  ["; and # inside a value stay", "[session]\nsecret=abc;def#ghi\n", { session: { secret: "abc;def#ghi" } }],
  [
    "a leading ; when the value ends without a space",
    "[session]\ncookieName = ;x\n",
    { session: { cookiename: ";x" } },
  ],
  [
    "a leading ; when the value ends with a space",
    "[session]\ncookieName = ;x \n",
    { session: { cookiename: "" } },
  ],
  [
    "everything after the first = is the value",
    "[session]\nsecret = a=b=c\n",
    { session: { secret: "a=b=c" } },
  ],
  ["option names are case-insensitive", "[server]\nSocketPORT = 8080\n", { server: { socketport: "8080" } }],
  [
    "continuation lines join with a newline",
    "[session]\nsecret = key1,\n  key2\n\tkey3\n",
    { session: { secret: "key1,\nkey2\nkey3" } },
  ],
  [
    "[DEFAULT] and %(name)s",
    "[DEFAULT]\nhere = /srv/app\n[session]\nstorageFileDir = %(here)s/sessions\n",
    { session: { storagefiledir: "/srv/app/sessions", here: "/srv/app" } },
  ],
  [
    "interpolation names are case-insensitive",
    "[DEFAULT]\nHERE = /srv\n[session]\nstorageFileDir = %(HeRe)s/s\n",
    { session: { storagefiledir: "/srv/s", here: "/srv" } },
  ],
  [
    "interpolation nests",
    "[DEFAULT]\na = %(b)s/x\nb = /srv\n[session]\nstorageFileDir = %(a)s\n",
    { session: { a: "/srv/x", b: "/srv", storagefiledir: "/srv/x" } },
  ],
  [
    "%% is a % when the value interpolates",
    "[session]\ncookiePath = /a%%b/%(x)s\nx = y\n",
    {
      session: { x: "y", cookiepath: "/a%b/y" },
    },
  ],
  [
    "%%( becomes %( and is interpolated in the next round",
    "[session]\ncookiePath=/%(x)s%%(x)s\nx=y\n",
    {
      session: { x: "y", cookiepath: "/yy" },
    },
  ],
  [
    "a % in a value without %( stays",
    "[session]\nstorageUrl = redis://:p%40ss@h/0\n",
    {
      session: { storageurl: "redis://:p%40ss@h/0" },
    },
  ],
  [
    "%(__name__)s is the section",
    "[session]\ncookieName = %(__name__)s\n",
    { session: { cookiename: "session" } },
  ],
  [
    "[DEFAULT] options are every section's",
    "[DEFAULT]\ntimeout = 30\n[session]\nstorageType = ram\n",
    {
      session: { storagetype: "ram", timeout: "30" },
    },
  ],
  [
    "rem lines are comments",
    "[server]\nrem this is a comment\nREM another\nsocketPort=1\n",
    { server: { socketport: "1" } },
  ],
  ['"" is empty', '[server]\nsocketHost = ""\n', { server: { sockethost: "" } }],
  [
    "comment and blank lines",
    "[server]\nsocketPort=8000\n# comment\n; comment\n\nsocketHost = 0.0.0.0\n",
    {
      server: { socketport: "8000", sockethost: "0.0.0.0" },
    },
  ],
  [
    "static prefixes",
    "[staticContent]\nstyle.css = style.css\n/static = static\n",
    {
      staticContent: { "style.css": "style.css", "/static": "static" },
    },
  ],
];

describe("reading as Python 2's ConfigParser", () => {
  for (const [name, text, expected] of PYTHON2) {
    it(name, () => {
      expect(asConfigParser(text)).toEqual(expected);
    });
  }
});

describe("what ConfigParser raised on is a precise error, never a silent value", () => {
  it("an undefined %(name)s (InterpolationMissingOptionError) says what to write", () => {
    const [line] = problems("[session]\nstorageFileDir = %(here)s/sessions\n");
    expect(line).toMatch(/^RootServer.cfg:2: \[session\] storageFileDir: %\(here\)s names no key/);
    expect(line).toContain('"here = …" in [DEFAULT]');
  });

  it("another % directive (TypeError) asks for %(name)s or %%", () => {
    expect(problems("[session]\ncookieName = %(x)d\nx = 1\n")[0]).toContain('"%(" is not an interpolation');
    expect(problems("[session]\ncookieName = a%(x)s%d\nx = 1\n")[0]).toContain(
      '"%d" is not an interpolation',
    );
  });

  it("a loop (InterpolationDepthError) is reported", () => {
    expect(problems("[session]\ncookieName = %(a)s\na = %(b)s\nb = %(a)s\n")[0]).toContain(
      "interpolation nests deeper than 10 levels",
    );
  });

  it("a continued value where one line is expected is an error, not 0.10's silent default", () => {
    expect(problems("[server]\nsocketPort = 8080\n  9090\n")[0]).toMatch(
      /^RootServer.cfg:2: \[server\] socketPort: continuation lines \(to line 3\)/,
    );
  });

  it("a second [DEFAULT] is a duplicate section, its first entries kept", () => {
    const found = problems(
      "[DEFAULT]\nhere = /a\n[DEFAULT]\nroot = /b\n[session]\ncookiePath = %(here)s%(root)s\n",
    );
    expect(found).toEqual(["RootServer.cfg:3: [DEFAULT]: duplicate section (first opened on line 1)"]);
  });

  it("an indented comment after an entry (0.10 made it part of the value) is reported", () => {
    expect(problems("[server]\nsocketPort = 8080\n  ; the port\n")[0]).toContain("indented comment");
  });
});

describe("what the readings mean in RootServer.cfg", () => {
  it("applies key: value, inline comments and any case", () => {
    const config = ok(
      "[server]\nSOCKETPORT: 8080 ; the port\n[session]\nstoragetype: redis\nstorageUrl: redis://h:6379/0?prefix=a\n",
    );
    expect(config.server.socketPort).toBe(8080);
    expect(config.session.storageUrl).toBe("redis://h:6379/0?prefix=a");
    expect(config.sources.get("server.socketPort")).toMatchObject({ line: 2, spelled: "SOCKETPORT" });
  });

  it("applies [DEFAULT] keys to the sections that know them and interpolates paths", () => {
    const config = ok(
      "[DEFAULT]\nhere = /data\ntimeout = 30\n[session]\nstorageType = file\nstorageFileDir = %(here)s/s\n",
    );
    expect(config.session.timeout).toBe(30);
    expect(config.session.storageFileDir).toBe("/data/s");
    expect(config.sources.get("session.timeout")).toMatchObject({ line: 3 });
  });

  it("takes a secret's rotation list over continuation lines", () => {
    const a = "a".repeat(32);
    const b = "b".repeat(32);
    const config = ok(`[session]\nstorageType = cookie\nsecret = ${a},\n  ${b}\n`);
    expect(config.session.secret.split(",").map((k) => k.trim())).toEqual([a, b]);
  });

  it("warns when an inline comment cuts a secret, without printing it", () => {
    const config = ok("[session]\nsecret = Sup3rS3cretValueThatMustNeverBeCut ;Printed42\n");
    expect(config.notes).toEqual([expect.stringContaining('the value was cut at " ;"')]);
    expect(config.notes.join("\n")).not.toMatch(/Sup3r|Printed42/);
  });
});
