import { serialize } from "cookie";
import type { SessionConfig } from "../config/types.js";

/** The session cookie of DESIGN.md §3 rule 8, with the [session] cookie* options. */
export function sessionCookie(
  config: SessionConfig,
  value: string,
  secure: boolean,
  maxAgeSeconds?: number,
): string {
  return serialize(config.cookieName, value, {
    path: config.cookiePath,
    domain: config.cookieDomain || undefined,
    httpOnly: config.cookieHttpOnly,
    sameSite: config.cookieSameSite.toLowerCase() as "lax" | "strict" | "none",
    secure: config.cookieSecure === "true" || (config.cookieSecure === "auto" && secure),
    maxAge: maxAgeSeconds,
    encode: (s) => s,
  });
}

/** A Set-Cookie that makes the browser drop the session cookie. */
export function expiredCookie(config: SessionConfig, secure: boolean): string {
  return `${sessionCookie(config, "", secure, 0)}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}
