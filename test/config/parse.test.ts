import { describe, expect, it } from "vitest";
import { parseIni } from "../../src/config/parse.js";

describe("parseIni", () => {
  it("reads sections and entries with their line numbers", () => {
    const { sections, problems } = parseIni("[server]\nsocketPort = 8080\n\n[session]\nstorageType=ram\n");
    expect(problems).toEqual([]);
    expect(sections).toEqual([
      {
        name: "server",
        line: 1,
        lastLine: 2,
        entries: [{ key: "socketPort", name: "socketport", value: "8080", line: 2, lastLine: 2 }],
      },
      {
        name: "session",
        line: 4,
        lastLine: 5,
        entries: [{ key: "storageType", name: "storagetype", value: "ram", line: 5, lastLine: 5 }],
      },
    ]);
  });

  it("accepts a UTF-8 BOM before the first header", () => {
    const { sections, problems } = parseIni("\uFEFF[server]\nsocketPort=1\n");
    expect(problems).toEqual([]);
    expect(sections[0].name).toBe("server");
  });

  it("accepts CRLF and lone CR line ends and counts lines the same", () => {
    const { sections } = parseIni("[server]\r\n\r\nsocketPort=1\r\nlogFile=x\rappModule=a.ts");
    expect(sections[0].entries.map((e) => [e.key, e.line])).toEqual([
      ["socketPort", 3],
      ["logFile", 4],
      ["appModule", 5],
    ]);
  });

  it("skips ; and # comment lines", () => {
    const { sections, problems } = parseIni("; one\n# two\n[server]\n  ; indented\nsocketPort=1\n");
    expect(problems).toEqual([]);
    expect(sections[0].entries).toHaveLength(1);
  });

  it("keeps ; and # inside values (URLs, secrets)", () => {
    const { sections } = parseIni(
      "[session]\nstorageUrl = redis://:p;a#ss@127.0.0.1:6379/2\nsecret=abc;def#ghi\n",
    );
    expect(sections[0].entries.map((e) => e.value)).toEqual([
      "redis://:p;a#ss@127.0.0.1:6379/2",
      "abc;def#ghi",
    ]);
  });

  it("keeps everything after the first = in the value", () => {
    const { sections } = parseIni("[session]\nsecret = a=b=c\n");
    expect(sections[0].entries[0].value).toBe("a=b=c");
  });

  it("removes one pair of matching quotes", () => {
    const { sections } = parseIni("[server]\nsocketHost = \"\"\nlogFile='a b.log'\nsiteKey=\"unbalanced'\n");
    expect(sections[0].entries.map((e) => e.value)).toEqual(["", "a b.log", "\"unbalanced'"]);
  });

  it("reports junk after a section header instead of turning it into a key", () => {
    const { problems } = parseIni("[server] port=1\n");
    expect(problems).toEqual([expect.objectContaining({ line: 1, section: "server" })]);
    expect(problems[0].message).toMatch(/junk after the section header/);
  });

  it("allows a comment after a section header", () => {
    expect(parseIni("[server] ; the web server\n").problems).toEqual([]);
  });

  it("reads key: value as ConfigParser did (the first of = and : splits)", () => {
    const { problems, sections } = parseIni(
      "[session]\nstorageType: file\nstorageUrl: redis://h:6379/0?prefix=a\n",
    );
    expect(problems).toEqual([]);
    expect(sections[0].entries.map((e) => [e.key, e.value])).toEqual([
      ["storageType", "file"],
      ["storageUrl", "redis://h:6379/0?prefix=a"],
    ]);
  });

  it("reports a duplicate key with the first line, keeping the first value", () => {
    const { problems, sections } = parseIni("[session]\ntimeout=1\ntimeout=2\n");
    expect(sections[0].entries).toEqual([
      { key: "timeout", name: "timeout", value: "1", line: 2, lastLine: 2 },
    ]);
    expect(problems).toEqual([
      { line: 3, section: "session", key: "timeout", message: "duplicate key (first set on line 2)" },
    ]);
  });

  it("reports a duplicate section", () => {
    const { problems } = parseIni("[server]\n[session]\n[server]\n");
    expect(problems).toEqual([
      { line: 3, section: "server", message: "duplicate section (first opened on line 1)" },
    ]);
  });

  it("reports entries before any section", () => {
    const { problems } = parseIni("socketPort=1\n[server]\n");
    expect(problems[0]).toMatchObject({ line: 1, key: "socketPort" });
  });

  it("reports malformed headers and keys", () => {
    const { problems } = parseIni("[]\n[server\n[server]\nsocket Port = 1\n= 3\n");
    expect(problems.map((p) => p.line)).toEqual([1, 2, 4, 5]);
  });
});
