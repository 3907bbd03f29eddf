/**
 * JSON bodies within bounds. JSON.parse is linear, but what a handler does with its result (a
 * recursive merge, JSON.stringify into a session, structuredClone) recurses once per level and walks
 * every key and element, as does the prototype-key pass below, so depth, key count and value count
 * (empty `{}` and `[]` have no keys but cost as much to walk) are bounded before parsing: one scan of
 * the bytes, stopped at the first level, key or value over the limit. `__proto__` keys, and `constructor` keys holding a
 * `prototype`, are dropped at every level (secure-json-parse's protoAction and constructorAction
 * "remove", as fastify uses them), so no recursive merge of the result can reach a prototype.
 */
import { CherryError } from "../errors.js";

/** Nesting of objects and arrays; `{"a":[1]}` is 2 deep. */
export const JSON_MAX_DEPTH = 32;
/** Object members in the whole document, at any depth. */
export const JSON_MAX_KEYS = 10_000;
/**
 * Values in the whole document, at any depth, counted as the commas and opening brackets outside
 * strings (at least the number of array elements and object members, containers included): room
 * for JSON_MAX_KEYS one-member objects in an array, and few enough that walking every container
 * stays a few milliseconds.
 */
export const JSON_MAX_VALUES = 50_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Parses a JSON body whose top level must be an object. Malformed: E_REQUEST_MALFORMED (400).
 * Deeper than JSON_MAX_DEPTH, more than JSON_MAX_KEYS members or more than JSON_MAX_VALUES values:
 * E_REQUEST_TOO_LARGE (413).
 */
export function parseJsonBody(bytes: Buffer): Record<string, unknown> {
  const escaped = checkShape(bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new CherryError("E_REQUEST_MALFORMED", "malformed JSON body");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new CherryError("E_REQUEST_MALFORMED", "a JSON body must be an object");
  // A key can only be "__proto__" or "prototype" if the text spells it or escapes something.
  if (escaped || bytes.includes("__proto__") || bytes.includes("prototype")) dropProtoKeys(parsed);
  return parsed as Record<string, unknown>;
}

/** Throws the 413s; returns whether the text holds a backslash (valid JSON has them in strings only). */
function checkShape(bytes: Buffer): boolean {
  let depth = 0;
  let keys = 0;
  let values = 0;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const b = bytes[i];
    if (b === QUOTE) {
      // Skip the string natively; no byte of a multi-byte UTF-8 character is ASCII.
      let end = bytes.indexOf(QUOTE, i + 1);
      while (end !== -1 && escapedAt(bytes, end)) end = bytes.indexOf(QUOTE, end + 1);
      if (end === -1) break; // unterminated: JSON.parse says so
      i = end;
    } else if (b === 0x7b || b === 0x5b) {
      if (++depth > JSON_MAX_DEPTH)
        throw new CherryError("E_REQUEST_TOO_LARGE", `JSON body nested deeper than ${JSON_MAX_DEPTH} levels`);
      if (++values > JSON_MAX_VALUES) throw tooManyValues();
    } else if (b === 0x7d || b === 0x5d) depth--;
    else if (b === 0x2c && ++values > JSON_MAX_VALUES) throw tooManyValues();
    else if (b === 0x3a && ++keys > JSON_MAX_KEYS)
      throw new CherryError("E_REQUEST_TOO_LARGE", `JSON body with more than ${JSON_MAX_KEYS} keys`);
  }
  return bytes.includes(BACKSLASH);
}

function tooManyValues(): CherryError {
  return new CherryError("E_REQUEST_TOO_LARGE", `JSON body with more than ${JSON_MAX_VALUES} values`);
}

/** Whether the quote at `at` is escaped: preceded by an odd run of backslashes. */
function escapedAt(bytes: Buffer, at: number): boolean {
  let run = 0;
  while (at - run - 1 >= 0 && bytes[at - run - 1] === BACKSLASH) run++;
  return run % 2 === 1;
}

/** Removes own `__proto__` members, and `constructor` members with a `prototype`, everywhere. */
function dropProtoKeys(root: object): void {
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown>;
    if (Object.hasOwn(node, "__proto__")) Reflect.deleteProperty(node, "__proto__");
    const ctor = Object.hasOwn(node, "constructor") ? node.constructor : undefined;
    if (typeof ctor === "object" && ctor !== null && Object.hasOwn(ctor, "prototype"))
      Reflect.deleteProperty(node, "constructor");
    for (const key in node) {
      const value = node[key];
      if (typeof value === "object" && value !== null) stack.push(value);
    }
  }
}
