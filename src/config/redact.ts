/**
 * The one place that decides how a secret appears in output: never. Every message, `config show`
 * row, store error and log line that could hold the value of `secret`, `siteKey` or a password in
 * `storageUrl` goes through these functions (SECURITY.md, "No secret is ever printed").
 *
 * A URL password is hidden wherever a driver reads one: the userinfo (`redis://u:PASS@h`, also with a
 * raw `@` inside the password, since the WHATWG URL parser splits at the last `@`) and query
 * parameters that carry credentials (`?password=` and `?sslpassword=` for pg, anything named like a
 * password, token or key).
 *
 * Which keys hold secrets is the schema's to say (`isSecretName`, src/config/schema.ts): this module
 * imports nothing of the config, so the stores that redact their URLs can import it.
 */

/** Query parameters whose value is hidden: pg reads `password` and `sslpassword` from the URL. */
const SECRET_PARAM = /pass|secret|token|key|auth|cred/i;

/** How a secret value is shown: its length only. */
export function describeSecret(value: string): string {
  const keys = value.split(",").length;
  return keys > 1
    ? `(secret: ${keys} keys, ${value.length} characters)`
    : `(secret: ${value.length} characters)`;
}

/** A URL with every password position replaced by `***`; anything that is not a URL is returned as is. */
export function redact(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return url;
  const head = scheme[0];
  let rest = url.slice(head.length);
  const at = userinfoEnd(rest);
  let userinfo = "";
  if (at !== -1) {
    const info = rest.slice(0, at);
    const colon = info.indexOf(":");
    const user = info.slice(0, colon);
    userinfo = colon === -1 ? `${info}@` : /[/?#]/.test(user) ? "***@" : `${user}:***@`;
    rest = rest.slice(at + 1);
  }
  const q = rest.indexOf("?");
  if (q === -1) return head + userinfo + rest;
  const hash = rest.indexOf("#", q);
  const query = rest.slice(q + 1, hash === -1 ? undefined : hash);
  const hidden = query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq === -1) return pair;
      const name = safeDecode(pair.slice(0, eq));
      return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=***` : pair;
    })
    .join("&");
  return `${head}${userinfo}${rest.slice(0, q)}?${hidden}${hash === -1 ? "" : rest.slice(hash)}`;
}

/**
 * The index of the `@` that ends the userinfo, or -1: the LAST `@` of the URL, whether or not what
 * follows parses as a host (`@localhost:${PGPORT}`, `@h1:5432,h2:5432`, `@[::1` must not expose the
 * password). A password may hold `@`, `/`, `?` or `#`, so no earlier `@` is trusted. An `@` whose text
 * before it holds no `:` and a `/`, `?` or `#` is not a userinfo end (`h/0?user=a@b`). Hiding too much
 * (a port, part of a query) is the accepted cost: the rule is that nothing after the first `:` of a
 * userinfo can be shown.
 */
function userinfoEnd(rest: string): number {
  const at = rest.lastIndexOf("@");
  if (at === -1) return -1;
  const info = rest.slice(0, at);
  return info.includes(":") || !/[/?#]/.test(info) ? at : -1;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The strings that must never appear in output for a given secret value: the whole value, each
 * comma-separated key and each line of it, and for a URL each password it carries.
 * Fragments shorter than 8 characters are left out: hiding every "short" or "a" would garble messages
 * (shorter secrets are rejected as too short anyway, and every message about a secret key shows only
 * lengths).
 */
export function secretFragments(value: string): string[] {
  const out = new Set<string>();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value);
  if (!scheme) {
    out.add(value);
    for (const part of value.split(/[,\n]/)) out.add(part.trim());
  } else {
    const rest = value.slice(scheme[0].length);
    const at = userinfoEnd(rest);
    if (at !== -1) {
      const info = rest.slice(0, at);
      const colon = info.indexOf(":");
      if (colon !== -1) {
        const password = info.slice(colon + 1);
        out.add(password);
        out.add(safeDecode(password));
        // What a URL parser or a driver may print of it: the parts around a `/`, `@`, `?` or `#`.
        for (const part of password.split(/[/@?#]/)) out.add(part);
      }
    }
    const q = rest.indexOf("?");
    if (q !== -1) {
      for (const pair of rest.slice(q + 1).split(/[&#]/)) {
        const eq = pair.indexOf("=");
        if (eq !== -1 && SECRET_PARAM.test(safeDecode(pair.slice(0, eq)))) {
          out.add(pair.slice(eq + 1));
          out.add(safeDecode(pair.slice(eq + 1)));
        }
      }
    }
  }
  return [...out].filter((s) => s.length >= 8).sort((a, b) => b.length - a.length);
}

/** `text` with every fragment replaced by its length; the longest fragments are replaced first. */
export function scrub(text: string, fragments: readonly string[]): string {
  let out = text;
  for (const fragment of fragments) {
    if (out.includes(fragment)) out = out.split(fragment).join(`(${fragment.length} characters)`);
  }
  return out;
}
