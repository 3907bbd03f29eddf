/**
 * How a config problem may quote what the user wrote. A malformed line is shown only when it starts
 * with the name of a key whose value is not secret (`socketPort 8080`); any other line (`secret
 * Sup3r…`, `Secret == x`, a stray value line) is described by its length, because it may be a secret
 * whatever its mistake (SECURITY.md, "No secret is ever printed").
 */
import { suggest } from "./_suggest.js";
import { isSecretName } from "./redact.js";
import { SCHEMA } from "./schema.js";

const PUBLIC_KEYS = SCHEMA.filter((s) => s.type !== "secret").map((s) => s.key);

/** The first word of a line: what would be its key. */
function leadingName(text: string): string {
  return /^[^\s=:]*/.exec(text)?.[0] ?? "";
}

/** Whether a line the parser could not read may be quoted in a message. */
export function mayEcho(text: string): boolean {
  if (/^\[[^\]]*\]?\s*$/.test(text) && text.length <= 60) return true;
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
