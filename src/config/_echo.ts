/**
 * How a config problem may quote what the user wrote. A malformed line is shown only when it starts
 * with the name of a key whose value is not secret (`socketPort 8080`); any other line (`secret
 * Sup3r…`, `Secret == x`, a stray value line) is described by its length, because it may be a secret
 * whatever its mistake (SECURITY.md, "No secret is ever printed").
 */
import { suggest } from "./_suggest.js";
import { secretFragments } from "./redact.js";
import { isSecretName, SCHEMA } from "./schema.js";

const PUBLIC_KEYS = SCHEMA.filter((s) => s.type !== "secret").map((s) => s.key);

/** The first word of a line: what would be its key. */
function leadingName(text: string): string {
  return /^[^\s=:]*/.exec(text)?.[0] ?? "";
}

/** Whether a line the parser could not read may be quoted in a message. */
export function mayEcho(text: string): boolean {
  if (/^\[[^\]]*\]?\s*$/.test(text) && text.length <= 60) return true;
  if (embeddedSecrets(text).length > 0) return false;
  const name = leadingName(text);
  if (name === "" || isSecretName(name)) return false;
  return suggest(name, PUBLIC_KEYS) !== undefined;
}

/** ` (got "…")` or ` (got N characters, not shown: the line may hold a secret)`. */
export function gotLine(text: string): string {
  return mayEcho(text)
    ? `got ${JSON.stringify(text)}`
    : `got ${text.length} characters, not shown: the line may hold a secret`;
}

/** For `socketPort 8080`: `; did you mean "socketPort = 8080"?`, when the line may be shown. */
export function entryHint(text: string): string {
  const match = /^([^\s=:]+)\s+([^=:]*)$/.exec(text);
  return match && mayEcho(text) ? `; did you mean ${JSON.stringify(`${match[1]} = ${match[2]}`)}?` : "";
}

/**
 * What follows a secret key's name inside `text` (`timeout = 30 secret = S3cr…`, two lines merged
 * when a newline was lost; any case, after `=`, `:` or whitespace): the values that may be secret.
 */
export function embeddedSecrets(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/[^\s=:\u2028\u2029]+/g)) {
    const end = (match.index ?? 0) + match[0].length;
    const after = text.slice(end);
    if (!/^[\s=:\u2028\u2029]/.test(after) || !isSecretName(match[0])) continue;
    const tail = after.replace(/^[\s=:\u2028\u2029]+/, "");
    if (tail !== "") out.push(tail, tail.trim(), ...tail.split(/[\s,]+/));
  }
  return out;
}

/** Every line break Python's splitlines() knows: a secret after any of them is its own line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are line breaks
const LINE_BREAKS = /\r\n|[\n\r\v\f\u001c-\u001e\u0085\u2028\u2029]/;

/**
 * The secret fragments of a config file's raw text, line by line, whatever the parser made of it
 * (an entry outside any section, a broken header, merged lines): what follows any word naming a
 * secret key, and the password of any URL. Feeds the output guard (`_guard.ts`).
 */
export function textSecrets(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(LINE_BREAKS)) {
    // A comment line is never printed, and one naming a secret names the variable, not its value.
    if (/^(\s*[;#]|[rR][eE][mM](\s|$))/.test(line)) continue;
    for (const tail of embeddedSecrets(line)) out.push(...secretFragments(tail));
    for (const url of line.match(/[a-z][a-z0-9+.-]*:\/\/\S+/gi) ?? []) out.push(...secretFragments(url));
  }
  return out;
}
