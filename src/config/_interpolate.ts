/**
 * `%(name)s` interpolation as Python 2's `ConfigParser.get()` did it (CherryPy 0.10 read every value
 * through it): while the value contains "%(", each `%(name)s` becomes the raw value of `name` (looked
 * up lowercased among the section's entries, then [DEFAULT], then `__name__` = the section's name) and
 * `%%` becomes `%`, at most 10 rounds. A value without "%(" is left alone, so `%40` in a URL stays.
 * What Python rejected (an unknown name, another `%` directive, a loop) is an error here too, with
 * what to write instead; CherryPy 0.10 swallowed those errors and silently used the default.
 */

import type { IniEntry, IniSection } from "./parse.js";
import { isSecretName } from "./schema.js";

export interface InterpolationVar {
  value: string;
  /** The value is secret (or was built from one): whatever uses it must not be printed. */
  secret: boolean;
}

export type Interpolated = { ok: true; value: string; secret: boolean } | { ok: false; message: string };

const MAX_DEPTH = 10;

export function interpolate(raw: string, vars: ReadonlyMap<string, InterpolationVar>): Interpolated {
  let value = raw;
  let secret = false;
  for (let depth = 0; depth < MAX_DEPTH && value.includes("%("); depth++) {
    let out = "";
    for (let i = 0; i < value.length; i++) {
      const c = value[i];
      if (c !== "%") {
        out += c;
        continue;
      }
      const next = value[i + 1];
      if (next === "%") {
        out += "%";
        i++;
        continue;
      }
      const close = next === "(" ? value.indexOf(")", i + 2) : -1;
      if (close === -1 || value[close + 1] !== "s") {
        const shown = next === "(" ? "%(" : `%${next ?? ""}`;
        return {
          ok: false,
          message: `"${shown}" is not an interpolation (expected %(name)s, or %% for a literal "%", as Python's ConfigParser required)`,
        };
      }
      const name = value.slice(i + 2, close);
      const found = vars.get(name.toLowerCase());
      if (!found) {
        return {
          ok: false,
          message: `%(${printable(name)})s names no key of this section or [DEFAULT] (expected "${printable(name)} = …" in [DEFAULT], or the value written out: relative paths are resolved against the config file's folder; a literal "%" is written %%)`,
        };
      }
      secret ||= found.secret;
      out += found.value;
      i = close + 1;
    }
    value = out;
  }
  if (value.includes("%(")) {
    return {
      ok: false,
      message: `interpolation nests deeper than ${MAX_DEPTH} levels (expected keys that do not refer to themselves)`,
    };
  }
  return { ok: true, value, secret };
}

function printable(name: string): string {
  return name.length <= 40 && /^[\w.-]*$/.test(name) ? name : `<${name.length} characters>`;
}

/** The entry's value as ConfigParser.get() returned it: its section and [DEFAULT] interpolated. */
export function readValue(
  entry: IniEntry,
  section: IniSection,
  defaults: IniSection | undefined,
): Interpolated {
  const secret = isSecretName(entry.name);
  if (!entry.value.includes("%(")) return { ok: true, value: entry.value, secret };
  const vars = new Map<string, InterpolationVar>();
  for (const e of [...(defaults?.entries ?? []), ...section.entries]) {
    vars.set(e.name, { value: e.value, secret: isSecretName(e.name) });
  }
  vars.set("__name__", { value: section.name, secret: false });
  const result = interpolate(entry.value, vars);
  return result.ok ? { ok: true, value: result.value, secret: secret || result.secret } : result;
}
