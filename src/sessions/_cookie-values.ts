/**
 * Every value of one cookie in a Cookie header, in the order sent. Browsers send a name twice when
 * two cookies differ in Path or Domain (after cookiePath or cookieDomain changed), most specific
 * path first (RFC 6265 §5.4); the `cookie` package keeps only the first. Values are taken as
 * sent, neither unquoted nor decoded: ids and seals are cookie-safe, so a quoted, percent-encoded
 * or otherwise re-spelled value is not ours and must not open the same session.
 *
 * At most MAX_SESSION_COOKIES values are returned, the first ones: each costs a store read (and a
 * lock), and a browser sends one per Path/Domain variant, a handful at most, so a header stuffed
 * with hundreds of ids must not buy hundreds of reads.
 */
export const MAX_SESSION_COOKIES = 8;

export function cookieValues(header: string | undefined, name: string): string[] | undefined {
  if (!header) return undefined;
  let at = header.indexOf(name);
  if (at === -1) return undefined;
  let values: string[] | undefined;
  for (; at !== -1; at = header.indexOf(name, at + name.length)) {
    // The name must start a pair: at the header's start or after "; " (or ";" and spaces).
    let before = at - 1;
    while (before >= 0 && (header[before] === " " || header[before] === "\t")) before--;
    if (before >= 0 && header[before] !== ";") continue;
    let eq = at + name.length;
    while (header[eq] === " " || header[eq] === "\t") eq++;
    if (header[eq] !== "=") continue;
    let end = header.indexOf(";", eq);
    if (end === -1) end = header.length;
    const value = header.slice(eq + 1, end).trim();
    if (!values) values = [value];
    else if (values.push(value) === MAX_SESSION_COOKIES) break;
    at = end - name.length;
  }
  return values;
}
