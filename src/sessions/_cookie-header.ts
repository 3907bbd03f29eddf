import { serialize } from "cookie";
import type { SessionConfig } from "../config/types.js";

// The attributes depend only on the config and the scheme: build them once, not per response.
const suffixes = new WeakMap<SessionConfig, Map<string, string>>();

function attributes(config: SessionConfig, secure: boolean, maxAgeSeconds: number | undefined): string {
  let cache = suffixes.get(config);
  if (!cache) {
    cache = new Map();
    suffixes.set(config, cache);
  }
  const key = `${secure}:${maxAgeSeconds}`;
  let suffix = cache.get(key);
  if (suffix === undefined) {
    const full = serialize(config.cookieName, "x", {
      path: config.cookiePath,
      domain: config.cookieDomain || undefined,
      httpOnly: config.cookieHttpOnly,
      sameSite: config.cookieSameSite.toLowerCase() as "lax" | "strict" | "none",
      secure: config.cookieSecure === "true" || (config.cookieSecure === "auto" && secure),
      maxAge: maxAgeSeconds,
    });
    suffix = full.slice(`${config.cookieName}=x`.length);
    cache.set(key, suffix);
  }
  return suffix;
}

/**
 * The session cookie of docs/contract.md §3 rule 8, with the [session] cookie* options. `value` is an id
 * or a base64url seal: cookie-safe characters only, so it needs no encoding.
 */
export function sessionCookie(
  config: SessionConfig,
  value: string,
  secure: boolean,
  maxAgeSeconds?: number,
): string {
  return `${config.cookieName}=${value}${attributes(config, secure, maxAgeSeconds)}`;
}

/** A Set-Cookie that makes the browser drop the session cookie. */
export function expiredCookie(config: SessionConfig, secure: boolean): string {
  return `${sessionCookie(config, "", secure, 0)}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}
