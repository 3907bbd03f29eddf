/**
 * The session cookie's attributes come from RootServer.cfg or the environment and go into every
 * Set-Cookie header, so they are checked against RFC 6265's grammar here, as config errors with
 * file:line (or the variable's name), instead of failing every session write at request time.
 * A `;` would start another attribute (`cookiePath = /; Domain=evil.example`), CR/LF would split the
 * header, and a space never matches the percent-encoded path a browser compares it with.
 */
import type { SessionConfig } from "./types.js";

/** RFC 6265 §4.1.1: cookie-name = token (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** "/" then RFC 3986 §3.3 path characters (pchar and "/"), without ";" (RFC 6265 §4.1.1 path-value). */
const PATH = /^\/([A-Za-z0-9\-._~!$&'()*+,=:@/]|%[0-9A-Fa-f]{2})*$/;
/** RFC 6265 §4.1.2.3 domain-value = subdomain (RFC 1034 §3.5); a leading "." is ignored (§5.2.3). */
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** `secret`: keys whose value was built from a secret (interpolation): shown by length only. */
export function validateCookieAttributes(
  session: SessionConfig,
  report: (id: string, message: string) => void,
  secret: ReadonlySet<string> = new Set(),
): void {
  const show = (id: string, value: string) =>
    secret.has(id) ? `${value.length} characters` : JSON.stringify(value);
  if (!TOKEN.test(session.cookieName)) {
    report(
      "session.cookieName",
      `not a valid cookie name (expected letters, digits and !#$%&'*+-.^_\`|~ as RFC 6265 §4.1.1 requires, got ${show("session.cookieName", session.cookieName)})`,
    );
  }
  if (!PATH.test(session.cookiePath)) {
    report(
      "session.cookiePath",
      `not a valid cookie path (expected "/" followed by URL path characters, without ";", spaces or control characters, RFC 6265 §4.1.1, got ${show("session.cookiePath", session.cookiePath)})`,
    );
  }
  const domain = session.cookieDomain.replace(/^\./, "");
  if (session.cookieDomain !== "" && !isDomain(domain)) {
    report(
      "session.cookieDomain",
      `not a valid cookie domain (expected a host name such as example.com, RFC 6265 §4.1.2.3, got ${show("session.cookieDomain", session.cookieDomain)})`,
    );
  }
}

function isDomain(domain: string): boolean {
  return domain.length <= 253 && domain.split(".").every((label) => LABEL.test(label));
}
