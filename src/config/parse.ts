/**
 * A line-aware INI reader. It keeps the line of every header and entry so that resolving can say
 * `file:line`, and it reports what the `ini` package would silently mangle: junk after a header,
 * `key: value`, duplicate keys and sections, entries before any section. Values are taken verbatim
 * after the first `=` (trimmed, one pair of matching quotes removed), so `;` and `#` inside URLs and
 * secrets survive: only whole lines starting with `;` or `#` are comments.
 */

export interface IniEntry {
  key: string;
  value: string;
  line: number;
}

export interface IniSection {
  name: string;
  line: number;
  entries: IniEntry[];
}

export interface IniProblem {
  line: number;
  section?: string;
  key?: string;
  message: string;
}

export interface ParsedIni {
  sections: IniSection[];
  problems: IniProblem[];
}

const HEADER = /^\[([^\]]*)\](.*)$/;
const KEY = /^[^\s=[\]"']+$/;

export function parseIni(text: string): ParsedIni {
  const sections: IniSection[] = [];
  const problems: IniProblem[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let current: IniSection | undefined;

  body.split(/\r\n|\n|\r/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith(";") || trimmed.startsWith("#")) return;

    if (trimmed.startsWith("[")) {
      current = readHeader(trimmed, line, sections, problems);
      return;
    }
    const entry = readEntry(trimmed, line, current?.name, problems);
    if (!entry) return;
    if (!current) {
      problems.push({
        line,
        key: entry.key,
        message: "entry outside any section (expected a [section] header above it)",
      });
      return;
    }
    const first = current.entries.find((e) => e.key === entry.key);
    if (first) {
      problems.push({
        line,
        section: current.name,
        key: entry.key,
        message: `duplicate key (first set on line ${first.line})`,
      });
      return;
    }
    current.entries.push(entry);
  });
  return { sections, problems };
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
    problems.push({ line, message: `malformed section header (expected "[name]", got "${trimmed}")` });
    return undefined;
  }
  if (rest !== "" && !rest.startsWith(";") && !rest.startsWith("#")) {
    problems.push({
      line,
      section: name,
      message: `junk after the section header (expected "[${name}]" alone, got "${trimmed}")`,
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
  const section: IniSection = { name, line, entries: [] };
  sections.push(section);
  return section;
}

function readEntry(
  trimmed: string,
  line: number,
  section: string | undefined,
  problems: IniProblem[],
): IniEntry | undefined {
  const eq = trimmed.indexOf("=");
  if (eq === -1) {
    const colon = /^([^\s:]+)\s*:\s*(.*)$/.exec(trimmed);
    const hint = colon ? `; did you mean "${colon[1]} = ${colon[2]}"?` : "";
    problems.push({
      line,
      section,
      message: `not a key=value line (expected "key = value", got "${trimmed}")${hint}`,
    });
    return undefined;
  }
  const key = trimmed.slice(0, eq).trim();
  if (!KEY.test(key)) {
    problems.push({
      line,
      section,
      message: `malformed key (expected a name without spaces or quotes, got "${key}")`,
    });
    return undefined;
  }
  return { key, value: unquote(trimmed.slice(eq + 1).trim()), line };
}

function unquote(value: string): string {
  const q = value[0];
  if (value.length >= 2 && (q === '"' || q === "'") && value.endsWith(q)) return value.slice(1, -1);
  return value;
}
