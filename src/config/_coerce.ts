import type { KeySpec, Value } from "./schema.js";

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

export type Coerced = { ok: true; value: Value } | { ok: false; expected: string };

/** Turns the string from a file, env var or flag into the key's type, or says what was expected. */
export function coerce(spec: KeySpec, raw: string): Coerced {
  const text = raw.trim();
  switch (spec.type) {
    case "int":
      return /^[+-]?\d+$/.test(text) ? inRange(spec, Number(text), "an integer") : fail(spec, "an integer");
    case "number":
      return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)
        ? inRange(spec, Number(text), "a number")
        : fail(spec, "a number");
    case "bool": {
      const lower = text.toLowerCase();
      if (TRUE.has(lower)) return { ok: true, value: true };
      if (FALSE.has(lower)) return { ok: true, value: false };
      return { ok: false, expected: "1 or 0 (true/false, yes/no, on/off)" };
    }
    case "enum": {
      let lower = text.toLowerCase();
      if (spec.values?.includes("true") && TRUE.has(lower)) lower = "true";
      if (spec.values?.includes("false") && FALSE.has(lower)) lower = "false";
      const hit = spec.values?.find((v) => v.toLowerCase() === lower);
      if (hit !== undefined) return { ok: true, value: hit };
      return { ok: false, expected: `one of ${spec.values?.map((v) => (v === "" ? '""' : v)).join(", ")}` };
    }
    default:
      return { ok: true, value: text };
  }
}

function range(spec: KeySpec, kind: string): string {
  if (spec.min !== undefined && spec.max !== undefined) return `${kind} from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return spec.min === 0 ? `${kind} >= 0` : `${kind} >= ${spec.min}`;
  return kind;
}

function inRange(spec: KeySpec, value: number, kind: string): Coerced {
  // 99999999999999999999 is not the number it spells: past 2^53 integers round.
  if (kind === "an integer" && !Number.isSafeInteger(value)) return fail(spec, kind);
  if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
    return fail(spec, kind);
  }
  return { ok: true, value };
}

function fail(spec: KeySpec, kind: string): Coerced {
  return { ok: false, expected: range(spec, kind) };
}
