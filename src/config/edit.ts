/**
 * Text edits behind `cherry config set` and `cherry config unset`: change the one entry the parser
 * recorded (its first line up to the value, an inline comment and the line end are kept; its
 * continuation lines go with the old value), add the key at the end of its section, or add the
 * section at the end of the file. Every other byte of the file stays as it was: comments, order,
 * blank lines, CRLF or LF, a BOM. Validation and writing are the caller's (see src/cli/config-edit.ts).
 */
import { CherryError } from "../errors.js";
import { cutComment, DEFAULT_SECTION, type IniEntry, type IniSection, parseIni } from "./parse.js";
import { SECTIONS, specOf } from "./schema.js";

export interface EditResult {
  text: string;
  /** The line that now holds the key (set), or where it was (unset). */
  line: number;
  action: "changed" | "added" | "removed" | "unchanged";
  /** The key's canonical spelling. */
  key: string;
}

interface Line {
  /** Offset of the first character after a BOM, the line's own text, and its line end. */
  start: number;
  text: string;
  eol: string;
}

function splitKeepingEnds(text: string): Line[] {
  const lines: Line[] = [];
  let offset = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const re = /([^\r\n]*)(\r\n|\n|\r|$)/g;
  re.lastIndex = offset;
  while (offset <= text.length) {
    const match = re.exec(text);
    if (!match) break;
    lines.push({ start: offset, text: match[1], eol: match[2] });
    offset = re.lastIndex;
    if (match[2] === "") break;
    if (offset === text.length) {
      lines.push({ start: offset, text: "", eol: "" });
      break;
    }
  }
  return lines;
}

/** The line end most lines use (LF when the file has none). */
function dominantEol(lines: Line[]): string {
  const count = (eol: string) => lines.filter((l) => l.eol === eol).length;
  return count("\r\n") > count("\n") ? "\r\n" : count("\r") > count("\n") ? "\r" : "\n";
}

/** `section.key` as typed: the section as written, the key's canonical spelling where it has one. */
export function resolveTarget(id: string): { section: string; key: string } {
  const dot = id.indexOf(".");
  const section = dot === -1 ? "" : id.slice(0, dot);
  const key = dot === -1 ? "" : id.slice(dot + 1);
  if (section === "" || key === "") {
    throw new CherryError(
      "E_USAGE",
      `expected SECTION.KEY such as session.timeout, got ${JSON.stringify(id)}`,
    );
  }
  if (section === "staticContent" || section === DEFAULT_SECTION) return { section, key };
  if (!SECTIONS.includes(section as never)) {
    throw new CherryError(
      "E_USAGE",
      `unknown section ${JSON.stringify(section)} (expected server, session, staticContent, cache or DEFAULT)`,
    );
  }
  const spec = specOf(section, key);
  if (!spec)
    throw new CherryError("E_USAGE", `unknown key [${section}] ${key}; \`cherry config show\` lists them`);
  return { section, key: spec.key };
}

function find(text: string, section: string, key: string): { section?: IniSection; entry?: IniEntry } {
  const parsed = parseIni(text);
  const found =
    section === DEFAULT_SECTION ? parsed.defaults : parsed.sections.find((s) => s.name === section);
  return { section: found, entry: found?.entries.find((e) => e.name === key.toLowerCase()) };
}

/** How `value` is written so that the parser reads it back unchanged. */
function written(value: string): string {
  if (/[\r\n]/.test(value)) {
    throw new CherryError("E_USAGE", "a value cannot contain a line break (expected one line)");
  }
  const quoted = value.length >= 2 && /^(["']).*\1$/.test(value);
  const needsQuotes = value !== value.trim() || quoted || value === '""';
  const out = needsQuotes ? `"${value}"` : value;
  if (cutComment(out).comment !== undefined) {
    throw new CherryError(
      "E_USAGE",
      'a value with whitespace before a ";" cannot be written: CherryPy 0.10\'s ConfigParser reads the rest as a comment (expected no space before the ";")',
    );
  }
  return out;
}

export function setKey(text: string, id: string, value: string): EditResult {
  const { section, key } = resolveTarget(id);
  const lines = splitKeepingEnds(text);
  const eol = dominantEol(lines);
  const found = find(text, section, key);
  const shown = written(value);
  let out: string;
  let action: EditResult["action"];
  if (found.entry) {
    const entry = found.entry;
    const first = lines[entry.line - 1];
    const head = /^(\s*[^:=]*?\s*[:=]\s*)/.exec(first.text)?.[1] ?? `${entry.key} = `;
    const last = lines[entry.lastLine - 1];
    // The comment keeps the spacing before it (`8000   ; port` stays aligned).
    const at = entry.comment === undefined ? -1 : last.text.lastIndexOf(entry.comment);
    const gap = at === -1 ? " " : (/\s+$/.exec(last.text.slice(0, at))?.[0] ?? " ");
    const comment = entry.comment === undefined ? "" : `${gap}${entry.comment}`;
    if (comment !== "" && value.includes(";")) {
      throw new CherryError(
        "E_USAGE",
        `[${section}] ${key}: line ${entry.line} has an inline comment, which ConfigParser would read as part of a value containing ";" (expected the comment removed first: cherry config edit)`,
      );
    }
    // An empty value before a comment is written "" (ConfigParser's empty value), else the ; would lead.
    const replaced = `${head}${shown === "" && comment !== "" ? '""' : shown}${comment}`;
    out = text.slice(0, first.start) + replaced + text.slice(last.start + last.text.length);
    action = out === text ? "unchanged" : "changed";
  } else if (found.section) {
    // Indented lines after the section's last entry (across blank and comment lines, as ConfigParser
    // reads them) would become continuations of the new entry: it goes after them.
    let last = found.section.lastLine;
    for (let i = last; i < lines.length && /^(\s|[;#]|[rR][eE][mM](\s|$)|$)/.test(lines[i].text); i++) {
      if (/^\s+\S/.test(lines[i].text)) last = i + 1;
    }
    const after = lines[last - 1];
    const end = after.start + after.text.length + after.eol.length;
    const added = `${key} = ${shown}`;
    out = `${text.slice(0, end)}${after.eol === "" ? eol + added : added + eol}${text.slice(end)}`;
    action = "added";
  } else {
    const lastLine = lines[lines.length - 1];
    const endsOpen = lastLine !== undefined && lastLine.text !== "" && lastLine.eol === "";
    const blank = lines.some((l) => l.text.trim() !== "") ? eol : "";
    out = `${text}${endsOpen ? eol : ""}${blank}[${section}]${eol}${key} = ${shown}${eol}`;
    action = "added";
  }
  const check = find(out, section, key).entry;
  if (!check || check.value !== value) {
    throw new CherryError(
      "E_USAGE",
      `[${section}] ${key}: the value cannot be written so that it reads back unchanged`,
    );
  }
  const line = check.line;
  return { text: out, line, action, key };
}

export function unsetKey(text: string, id: string): EditResult {
  const { section, key } = resolveTarget(id);
  const { entry } = find(text, section, key);
  if (!entry) {
    const inherited = section === DEFAULT_SECTION ? undefined : find(text, DEFAULT_SECTION, key).entry;
    if (inherited) {
      throw new CherryError(
        "E_USAGE",
        `[${section}] ${key} comes from [DEFAULT] (line ${inherited.line}); remove it there: cherry config unset DEFAULT.${inherited.key}`,
      );
    }
    return { text, line: 0, action: "unchanged", key };
  }
  const lines = splitKeepingEnds(text);
  const first = lines[entry.line - 1];
  const last = lines[entry.lastLine - 1];
  let end = last.start + last.text.length + last.eol.length;
  let start = first.start;
  // The file's last entry without a line end: take the line end before it instead.
  if (last.eol === "" && entry.line > 1)
    start = lines[entry.line - 2].start + lines[entry.line - 2].text.length;
  if (start === first.start && last.eol === "") end = last.start + last.text.length;
  return { text: text.slice(0, start) + text.slice(end), line: entry.line, action: "removed", key };
}
