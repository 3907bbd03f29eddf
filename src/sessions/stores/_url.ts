/**
 * `[session] storageUrl` for the stores that read one (redis, postgres, mysql): its config rules and
 * cherry's own query parameters, which are removed before the URL reaches the driver.
 */
import { redact } from "../../config/redact.js";
import type { CherryConfig } from "../../config/types.js";
import type { RuleContext } from "./_descriptor.js";

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Reports a storageUrl whose scheme is not `scheme` (e.g. /^rediss?:\/\//): on the storageUrl line
 * when it was given, else on storageType. `expected` shows the URL's form in the message.
 */
export function checkUrlScheme(
  config: CherryConfig,
  ctx: RuleContext,
  store: string,
  scheme: RegExp,
  expected: string,
): void {
  const url = config.session.storageUrl;
  if (scheme.test(url)) return;
  ctx.report(
    ctx.isSet("session.storageUrl") ? "session.storageUrl" : "session.storageType",
    `the ${store} store needs a URL (expected ${expected}, got ${shownUrl(url)})`,
  );
}

/**
 * Reports a storageUrl the WHATWG URL parser (`new URL`, what the drivers use) rejects: a port over
 * 65535, an unclosed `[`, a raw `/` in the password. Found here with the line, not as a crash when
 * the store opens. `pathname`: the paths the driver accepts (redis: a database number).
 */
export function checkUrlParses(config: CherryConfig, ctx: RuleContext, pathname?: RegExp): void {
  const url = config.session.storageUrl;
  if (!HAS_SCHEME.test(url) || parses(url, pathname)) return;
  ctx.report(
    "session.storageUrl",
    `not a valid URL (expected scheme://[user[:password]@]host[:port]/…, a port up to 65535, a database number after the host for redis, and "@", "/", ":" in a password written %40, %2F, %3A), got ${shownUrl(url)}`,
  );
}

function parses(url: string, pathname: RegExp | undefined): boolean {
  try {
    const parsed = new URL(url);
    return pathname === undefined || pathname.test(parsed.pathname);
  } catch {
    return false;
  }
}

/** A storageUrl for a message: its passwords hidden, or only its length when it is no URL at all. */
function shownUrl(url: string): string {
  return HAS_SCHEME.test(url) ? JSON.stringify(redact(url)) : `${url.length} characters`;
}

/** The URL without cherry's own query parameters, and their values. */
export function splitUrl(
  raw: string,
  params: readonly string[],
): { url: string; own: Record<string, string | undefined> } {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { url: raw, own: {} };
  }
  const own: Record<string, string | undefined> = {};
  for (const param of params) {
    own[param] = parsed.searchParams.get(param) ?? undefined;
    parsed.searchParams.delete(param);
  }
  return { url: Object.values(own).some((v) => v !== undefined) ? parsed.toString() : raw, own };
}
