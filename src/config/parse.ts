/**
 * A line-aware reader of the INI dialect CherryPy 0.10 read RootServer.cfg with: Python 2's
 * `ConfigParser` (its `RawConfigParser._read`). It keeps the lines of every header and entry so that
 * resolving can say `file:line` and `cherry config set` can rewrite one entry in place.
 *
 * ConfigParser's grammar, as cherry reads it:
 * - `key = value` and `key: value`; the first `=` or `:` on the line splits (so
 *   `storageUrl: redis://h:6379/0` is the URL).
 * - Whole-line comments start with `;` or `#` in the first column, or are `rem …` lines.
 * - Inline comments: the first `;` of the value starts a comment when whitespace precedes it
 *   (`socketPort = 8080 ; the port`); a `;` or `#` with no space before it stays in the value.
 * - Option names are case-insensitive (`name` is the lowercased key; `key` is the spelling written).
 * - A line starting with whitespace after an entry continues that entry's value (joined with "\n").
 * - `[DEFAULT]` holds entries every section sees; `%(name)s` interpolation is left to resolving.
 * - The value `""` is the empty string.
 *
 * Where 0.10 was silently wrong, cherry reports instead: junk after a header, a line that is no entry,
 * a duplicate key or section (ConfigParser kept the last or merged), an entry before any section, an
 * indented comment after an entry (ConfigParser made it part of the value). Cherry also removes one
 * pair of matching quotes around a value, which ConfigParser kept.
 */

export interface IniEntry {
  /** The key as written in the file. */
  key: string;
  /** The key lowercased, as ConfigParser's optionxform made it. */
  name: string;
  value: string;
  /** First line (1-based) of the entry. */
  line: number;
  /** Last line of the entry: later than `line` when continuation lines follow. */
  lastLine: number;
  /** The inline comment removed from the value (`; …`), when there was one. */
  comment?: string;
}

export interface IniSection {
  name: string;
  line: number;
  /** The last line that belongs to the section: its header or its last entry. */
  lastLine: number;
  entries: IniEntry[];
}

export interface IniProblem {
  line: number;
  section?: string;
  key?: string;
  message: string;
  /** The line as written, for messages that decide themselves whether it may be shown. */
  text?: string;
}

export interface ParsedIni {
  sections: IniSection[];
  /** The `[DEFAULT]` section, when the file has one. */
  defaults?: IniSection;
  problems: IniProblem[];
}

export const DEFAULT_SECTION = "DEFAULT";
const HEADER = /^\[([^\]]*)\](.*)$/;
/** ConfigParser's OPTCRE: an option starts with neither `:`, `=` nor whitespace. */
const OPTION = /^([^:=\s][^:=]*?)\s*([:=])\s*(.*)$/;
const KEY = /^[^\s=:[\]"']+$/;

/** Splits a text into lines as cherry counts them: CRLF, LF and lone CR all end a line. */
export function splitLines(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body.split(/\r\n|\n|\r/);
}

export function parseIni(text: string): ParsedIni {
  const sections: IniSection[] = [];
  const problems: IniProblem[] = [];
  let current: IniSection | undefined;
  let last: IniEntry | undefined;

  splitLines(text).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || raw[0] === ";" || raw[0] === "#") return;
    if (/^[rR][eE][mM](\s|$)/.test(raw)) return;

    if (/^\s/.test(raw)) {
      if (last && current) {
        if (trimmed.startsWith(";") || trimmed.startsWith("#")) {
          problems.push({
            line,
            section: current.name,
            key: last.key,
            message: `indented comment: CherryPy 0.10 read it as a continuation of ${last.key}'s value (expected the comment to start in the first column)`,
          });
          return;
        }
        last.value = `${last.value}\n${trimmed}`;
        last.lastLine = line;
        current.lastLine = line;
        return;
      }
      // Not a continuation: an indented comment right after a header reads as itself; an indented
      // entry or value is what Python 2's ConfigParser raised ParsingError for.
      if (trimmed.startsWith(";") || trimmed.startsWith("#")) return;
      if (current && !trimmed.startsWith("[")) {
        problems.push({
          line,
          section: current.name,
          message:
            "indented line with no entry above it to continue: Python 2's ConfigParser raised ParsingError (expected the key to start in the first column)",
          text: trimmed,
        });
        return;
      }
    }

    if (trimmed.startsWith("[")) {
      last = undefined;
      current = readHeader(trimmed, line, sections, problems);
      return;
    }
    last = undefined;
    const entry = readEntry(raw.trimStart(), line, current?.name, problems);
    if (!entry) return;
    if (!current) {
      problems.push({
        line,
        key: entry.key,
        message: "entry outside any section (expected a [section] header above it)",
      });
      return;
    }
    const first = current.entries.find((e) => e.name === entry.name);
    if (first) {
      problems.push({
        line,
        section: current.name,
        key: entry.key,
        message: `duplicate key (first set on line ${first.line}${first.key === entry.key ? "" : ` as ${first.key}`})`,
      });
      return;
    }
    current.entries.push(entry);
    current.lastLine = line;
    last = entry;
  });
  const defaults = sections.find((s) => s.name === DEFAULT_SECTION);
  return { sections: sections.filter((s) => s !== defaults), defaults, problems };
}

function readHeader(
  trimmed: string,
  line: number,
  sections: IniSection[],
  problems: IniProblem[],
): IniSection | undefined {
  const match = HEADER.exec(trimmed);
  const name = match?.[1].trim() ?? "";
  const rest = match?.[2].trim() ?? trimmed;
  if (!match || name === "") {
    problems.push({
      line,
      message: 'malformed section header (expected "[name]")',
      text: trimmed,
    });
    return undefined;
  }
  if (rest !== "" && !rest.startsWith(";") && !rest.startsWith("#")) {
    problems.push({
      line,
      section: name,
      message: `junk after the section header (expected "[${name}]" alone)`,
      text: trimmed,
    });
  }
  const previous = sections.find((s) => s.name === name);
  if (previous) {
    problems.push({
      line,
      section: name,
      message: `duplicate section (first opened on line ${previous.line})`,
    });
    return previous;
  }
  const section: IniSection = { name, line, lastLine: line, entries: [] };
  sections.push(section);
  return section;
}

function readEntry(
  text: string,
  line: number,
  section: string | undefined,
  problems: IniProblem[],
): IniEntry | undefined {
  const match = OPTION.exec(text);
  if (!match) {
    problems.push({
      line,
      section,
      message: 'not a key = value line (expected "key = value" or "key: value")',
      text: text.trim(),
    });
    return undefined;
  }
  const key = match[1];
  if (!KEY.test(key)) {
    problems.push({
      line,
      section,
      message: "malformed key (expected a name without spaces or quotes)",
      text: key,
    });
    return undefined;
  }
  const { value, comment } = cutComment(match[3]);
  return { key, name: key.toLowerCase(), value: unquote(value), line, lastLine: line, comment };
}

/**
 * ConfigParser's inline comment rule: only the first `;` of the value is looked at, and it starts a
 * comment when the character before it is whitespace (for a `;` in the first position that is the
 * value's last character, a Python index quirk kept here so values read the same).
 */
export function cutComment(raw: string): { value: string; comment?: string } {
  const pos = raw.indexOf(";");
  if (pos === -1) return { value: raw.trim() };
  const before = pos === 0 ? raw[raw.length - 1] : raw[pos - 1];
  if (!/\s/.test(before)) return { value: raw.trim() };
  return { value: raw.slice(0, pos).trim(), comment: raw.slice(pos) };
}

function unquote(value: string): string {
  const q = value[0];
  if (value.length >= 2 && (q === '"' || q === "'") && value.endsWith(q)) return value.slice(1, -1);
  return value;
}
