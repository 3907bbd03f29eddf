/**
 * The `ini` package as a test oracle (README: why it is not cherry's parser): on every generated file
 * in the subset where both grammars are defined, cherry's reader and `ini.decode` read the same
 * sections, keys and values. The subset: `[name]` headers (no dots: ini nests them; no [DEFAULT]),
 * unique lowercase keys, `=` only (ini has no `:`), values without `;`, `#`, quotes, backslashes or
 * `%` (ini cuts at `;`/`#` anywhere, cherry keeps them; cherry interpolates `%(`), not true/false/null
 * (ini makes them booleans), no indented lines (continuations in cherry), comment and blank lines,
 * CRLF or LF. A BOM is outside it (ini reads "\uFEFF[a]" as a section named so): cherry skips it, so
 * a file with a BOM reads as ini reads the file without.
 */
import fc from "fast-check";
import { decode } from "ini";
import { describe, expect, it } from "vitest";
import { parseIni } from "../../src/config/parse.js";

const SEED = Number(process.env.CHERRY_FUZZ_SEED ?? 17);
const RUNS = Number(process.env.CHERRY_FUZZ_RUNS ?? 500);

const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/).filter((n) => !["true", "false", "null"].includes(n));
const value = fc
  .stringMatching(/^[A-Za-z0-9 ./:@+,_-]{0,16}$/)
  .filter((v) => !["true", "false", "null"].includes(v.trim()));
const comment = fc.constantFrom("; note", "# note", ";", "#", "");

const section = fc.record({
  name,
  entries: fc.uniqueArray(fc.tuple(name, fc.constantFrom(" = ", "=", " =", "= "), value), {
    selector: ([k]) => k,
    maxLength: 6,
  }),
  comments: fc.array(comment, { maxLength: 3 }),
});

const file = fc
  .tuple(fc.uniqueArray(section, { selector: (s) => s.name, maxLength: 5 }), fc.constantFrom("\n", "\r\n"))
  .map(([sections, eol]) => {
    const lines = sections.flatMap((s) => [
      `[${s.name}]`,
      ...s.comments,
      ...s.entries.map(([k, d, v]) => `${k}${d}${v}`),
    ]);
    return { text: lines.map((l) => l + eol).join(""), sections };
  });

function cherryRead(text: string): Record<string, Record<string, string>> {
  const parsed = parseIni(text);
  expect(parsed.problems).toEqual([]);
  return Object.fromEntries(
    parsed.sections.map((s) => [s.name, Object.fromEntries(s.entries.map((e) => [e.name, e.value]))]),
  );
}

function iniRead(text: string): Record<string, Record<string, string>> {
  const decoded = decode(text) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(
    Object.entries(decoded).map(([s, entries]) => [
      s,
      Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, String(v)])),
    ]),
  );
}

describe("cherry's reader agrees with ini.decode where both are defined", () => {
  it("reads the same sections, keys and values", () => {
    fc.assert(
      fc.property(file, ({ text }) => {
        expect(cherryRead(text)).toEqual(iniRead(text));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("reads a file with a BOM as ini reads it without", () => {
    fc.assert(
      fc.property(file, ({ text }) => {
        expect(cherryRead(`\uFEFF${text}`)).toEqual(iniRead(text));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("agrees on a hand-written RootServer.cfg", () => {
    const text =
      "; app\r\n[server]\r\nsocketport = 8080\r\n\r\n[session]\r\nstoragetype = file\r\nstoragefiledir = /tmp/s\r\n";
    expect(cherryRead(text)).toEqual(iniRead(text));
  });
});
