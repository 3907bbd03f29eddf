/**
 * `config set` and `config unset` change one entry and keep every other byte: a property test over
 * generated files with comments, blank lines, CRLF, LF, a BOM and continuation lines.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { setKey, unsetKey } from "../../src/config/edit.js";
import { parseIni } from "../../src/config/parse.js";

const SEED = Number(process.env.CHERRY_FUZZ_SEED ?? 17);
const RUNS = Number(process.env.CHERRY_FUZZ_RUNS ?? 300);

/** A line of a generated RootServer.cfg, without its line end. */
const line = fc.oneof(
  fc.constantFrom("", "; a comment", "# another", "rem old style", "[server]", "[session]", "[DEFAULT]"),
  fc
    .tuple(
      fc.constantFrom(
        "socketPort",
        "socketport",
        "timeout",
        "cookieName",
        "logFile",
        "storageType",
        "secret",
      ),
      fc.constantFrom(" = ", "=", ": ", " : "),
      fc.stringMatching(/^[A-Za-z0-9./_-]{0,12}$/),
      fc.constantFrom("", " ; note", "\t; tab note"),
    )
    .map(([k, d, v, c]) => `${k}${d}${v}${c}`),
  fc.stringMatching(/^[A-Za-z0-9]{1,8}$/).map((v) => `  ${v}`),
);

const file = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.tuple(line, fc.constantFrom("\n", "\r\n")), { maxLength: 14 }),
    fc.constantFrom("", "\n", "\r\n"),
  )
  .map(([bom, lines, last]) => {
    const text = lines.map(([l, eol]) => l + eol).join("");
    return (bom ? "\uFEFF" : "") + (last === "" ? text.replace(/\r?\n$/, "") : text);
  });

/** Lines with their line ends, so a comparison sees every byte. */
function lines(text: string): string[] {
  return (
    text
      .replace(/^\uFEFF/, "")
      .match(/[^\r\n]*(\r\n|\n|\r|$)/g)
      ?.filter((l, i, all) => l !== "" || i < all.length - 1) ?? []
  );
}

/**
 * The lines of `before` and `after` that differ, once the common head and tail are taken off.
 * A last line without a line end is compared as if it had one: adding a line after it gives it one,
 * and removing the last line takes the line end before it.
 */
function difference(before: string, after: string): { removed: string[]; added: string[] } {
  const a = lines(before);
  const b = lines(after);
  const bare = (l: string) => l.replace(/\r?\n$|\r$/, "");
  // The last line of either text is compared without its line end.
  const same = (i: number, j: number) =>
    a[i] === b[j] || ((i === a.length - 1 || j === b.length - 1) && bare(a[i]) === bare(b[j]));
  let head = 0;
  while (head < a.length && head < b.length && same(head, head)) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && same(a.length - 1 - tail, b.length - 1 - tail))
    tail++;
  return { removed: a.slice(head, a.length - tail), added: b.slice(head, b.length - tail) };
}

const entryOf = (text: string, section: string, key: string) =>
  parseIni(text)
    .sections.find((s) => s.name === section)
    ?.entries.find((e) => e.name === key.toLowerCase());

describe("config set and unset keep every other byte", () => {
  it("set changes only the entry's lines, or adds one line, or one section at the end", () => {
    fc.assert(
      fc.property(file, fc.constantFrom("30", "2.5", "a b", "x;y", ""), (text, value) => {
        const before = entryOf(text, "session", "timeout");
        if (before?.comment !== undefined && value.includes(";")) {
          expect(() => setKey(text, "session.timeout", value)).toThrow(/has an inline comment/);
          return;
        }
        const result = setKey(text, "session.timeout", value);
        expect(entryOf(result.text, "session", "timeout")?.value).toBe(value);
        expect(result.text.startsWith("\uFEFF")).toBe(text.startsWith("\uFEFF"));
        const { removed, added } = difference(text, result.text);
        if (before) {
          expect(removed.length).toBeLessThanOrEqual(before.lastLine - before.line + 1);
          expect(added.length).toBeLessThanOrEqual(1);
        } else {
          expect(removed.length).toBeLessThanOrEqual(1);
          expect(added.join("")).toMatch(/^(\r?\n)*(\[session\]\r?\n)?timeout = .*(\r?\n)?$/);
        }
        // Every other entry reads the same.
        const others = (t: string) =>
          parseIni(t).sections.flatMap((s) =>
            s.entries
              .filter((e) => !(s.name === "session" && e.name === "timeout"))
              .map((e) => `${s.name}.${e.name}=${e.value}`),
          );
        expect(others(result.text)).toEqual(others(text));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("unset after set of an absent key gives the file back byte for byte", () => {
    fc.assert(
      fc.property(file, (text) => {
        fc.pre(
          entryOf(text, "server", "logFile") === undefined &&
            parseIni(text).sections.some((s) => s.name === "server"),
        );
        const set = setKey(text, "server.logFile", "app.log");
        expect(unsetKey(set.text, "server.logFile").text).toBe(text);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("unset removes exactly the entry's lines", () => {
    fc.assert(
      fc.property(file, (text) => {
        const before = entryOf(text, "server", "socketPort");
        const inherited = parseIni(text).defaults?.entries.some((e) => e.name === "socketport");
        if (!before && inherited) {
          expect(() => unsetKey(text, "server.socketPort")).toThrow(/comes from \[DEFAULT\]/);
          return;
        }
        const result = unsetKey(text, "server.socketPort");
        if (!before) {
          expect(result.text).toBe(text);
          return;
        }
        const { removed, added } = difference(text, result.text);
        expect(added).toEqual([]);
        // Removing the file's last line, which has no line end, takes the line end before it.
        const open = !/[\r\n]$/.test(text) && before.lastLine === lines(text).length;
        expect(removed.length).toBeLessThanOrEqual(before.lastLine - before.line + 1 + (open ? 1 : 0));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe("unsetKey", () => {
  it("says where a key inherited from [DEFAULT] is set", () => {
    expect(() => unsetKey("[DEFAULT]\ntimeout = 5\n[session]\n", "session.timeout")).toThrow(
      "[session] timeout comes from [DEFAULT] (line 2); remove it there: cherry config unset DEFAULT.timeout",
    );
    expect(unsetKey("[DEFAULT]\ntimeout = 5\n[session]\n", "DEFAULT.timeout").text).toBe(
      "[DEFAULT]\n[session]\n",
    );
  });

  it("leaves a file without the key unchanged", () => {
    expect(unsetKey("[session]\n", "session.timeout")).toMatchObject({
      action: "unchanged",
      text: "[session]\n",
    });
  });
});

describe("setKey", () => {
  it("keeps the key's spelling, its delimiter, an inline comment and CRLF", () => {
    const text = "\uFEFF[server]\r\nSocketPort: 8080   ; the port\r\n\r\n";
    expect(setKey(text, "server.socketPort", "9090").text).toBe(
      "\uFEFF[server]\r\nSocketPort: 9090   ; the port\r\n\r\n",
    );
  });

  it("replaces a value's continuation lines with the new one-line value", () => {
    const text = "[session]\nsecret = a,\n  b\ntimeout = 5\n";
    expect(setKey(text, "session.secret", "c").text).toBe("[session]\nsecret = c\ntimeout = 5\n");
  });

  it("adds the key after the last entry of its section, the section at the end", () => {
    expect(setKey("[server]\nsocketPort = 1\n\n[session]\n", "server.logFile", "x").text).toBe(
      "[server]\nsocketPort = 1\nlogFile = x\n\n[session]\n",
    );
    expect(setKey("; top\n[server]\nsocketPort = 1", "session.timeout", "5").text).toBe(
      "; top\n[server]\nsocketPort = 1\n\n[session]\ntimeout = 5\n",
    );
    expect(setKey("", "staticContent.style.css", "style.css").text).toBe(
      "[staticContent]\nstyle.css = style.css\n",
    );
  });

  it("quotes a value with outer spaces or quotes so it reads back the same", () => {
    expect(entryOf(setKey("[server]\n", "server.logFile", " a ").text, "server", "logFile")?.value).toBe(
      " a ",
    );
    expect(entryOf(setKey("[server]\n", "server.logFile", '"q"').text, "server", "logFile")?.value).toBe(
      '"q"',
    );
  });

  it.each([
    ["server.socketPort", "1 ;x", /whitespace before a ";"/],
    ["server.socketPort", "1\n2", /line break/],
    ["server.sockPort", "1", /unknown key \[server\] sockPort/],
    ["servers.socketPort", "1", /unknown section/],
    ["socketPort", "1", /expected SECTION.KEY/],
  ])("refuses %s = %j", (id, value, message) => {
    expect(() => setKey("[server]\n", id, value)).toThrow(message);
  });
});
