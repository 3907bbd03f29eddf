/**
 * About how many bytes a session's data would take as JSON, without building the JSON text: ram
 * values may be anything (cycles, Maps, class instances) where JSON.stringify throws or lies. Each
 * object is counted once, so a cycle or a shared object cannot make the walk endless; strings count
 * their UTF-16 length (close to UTF-8 for the ASCII that sessions mostly hold).
 */
export function estimateBytes(value: unknown): number {
  // Made at the first nested object (with the root in it): a flat session, the usual kind, needs none.
  let seen: Set<unknown> | undefined;
  const stack: unknown[] = [value];
  let bytes = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") bytes += v.length + 2;
    else if (typeof v === "number" || typeof v === "bigint") bytes += 8;
    else if (typeof v === "boolean" || v === null || v === undefined) bytes += 4;
    else if (typeof v === "object") {
      if (v !== value) {
        seen ??= new Set([value]);
        if (seen.has(v)) continue;
        seen.add(v);
      }
      bytes += 2;
      if (ArrayBuffer.isView(v)) bytes += v.byteLength;
      else if (v instanceof Map)
        for (const [k, x] of v) {
          bytes += 1;
          stack.push(k, x);
        }
      else if (v instanceof Set)
        for (const x of v) {
          bytes += 1;
          stack.push(x);
        }
      else if (Array.isArray(v))
        for (const x of v) {
          bytes += 1;
          stack.push(x);
        }
      else
        for (const k of Object.keys(v)) {
          bytes += k.length + 4;
          stack.push((v as Record<string, unknown>)[k]);
        }
    } else bytes += 8; // functions and symbols: a reference
  }
  return bytes;
}
