/**
 * The session cookie's attributes come from RootServer.cfg or the environment and go into every
 * Set-Cookie header, so they are checked against RFC 6265's grammar here, as config errors with
 * file:line (or the variable's name), instead of failing every session write at request time.
 * A `;` would start another attribute (`cookiePath = /; Domain=evil.example`), CR/LF would split the
 * header, and a space never matches the percent-encoded path a browser compares it with.
 */
import { domainToASCII } from "node:url";
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
    const ascii = domainToASCII(domain);
    const hint =
      ascii !== "" && isDomain(ascii)
        ? `; an internationalized name is written in its ASCII form: ${ascii}`
        : "";
    report(
      "session.cookieDomain",
      `not a valid cookie domain (expected a host name such as example.com, RFC 6265 §4.1.2.3, got ${show("session.cookieDomain", session.cookieDomain)})${hint}`,
    );
  }
  validatePrefix(session, report);
}

/**
 * RFC 6265bis §4.1.3 cookie name prefixes (matched in any case, as browsers do): a `__Secure-`
 * cookie must be Secure, a `__Host-` cookie Secure with Path=/ and no Domain; browsers silently drop
 * one that is not. cookieSecure = auto is accepted (Secure on HTTPS, which a prefix needs anyway).
 */
function validatePrefix(session: SessionConfig, report: (id: string, message: string) => void): void {
  const name = session.cookieName.toLowerCase();
  const prefix = name.startsWith("__host-") ? "__Host-" : name.startsWith("__secure-") ? "__Secure-" : "";
  if (prefix === "") return;
  const why = `browsers drop a ${prefix} cookie that breaks its rules (RFC 6265bis §4.1.3)`;
  if (session.cookieSecure === "false") {
    report(
      "session.cookieSecure",
      `a ${prefix} cookie must be Secure (expected true or auto, got "false"); ${why}`,
    );
  }
  if (prefix === "__Host-" && session.cookieDomain !== "") {
    report("session.cookieDomain", `a __Host- cookie must not have a Domain (expected it empty); ${why}`);
  }
  if (prefix === "__Host-" && session.cookiePath !== "/") {
    report("session.cookiePath", `a __Host- cookie must have Path=/ (expected "/"); ${why}`);
  }
}

function isDomain(domain: string): boolean {
  return domain.length <= 253 && domain.split(".").every((label) => LABEL.test(label));
}
