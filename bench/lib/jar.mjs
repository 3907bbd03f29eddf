// A browser's cookie jar, as far as the benchmark needs one: every Set-Cookie of a response is kept
// (cookie-session sends two, the session and its signature), a cookie expired by Max-Age=0 or a past
// Expires is dropped, and the Cookie header sends them all. One jar per simulated browser.

/** Cookies by name; `take()` reads Set-Cookie header values, `header()` writes the Cookie header. */
export class Jar {
  cookies = new Map();

  /** @param {string[]} setCookies the Set-Cookie header values of one response */
  take(setCookies) {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some((a) => {
        const [key, value = ""] = a.trim().split("=");
        const k = key.toLowerCase();
        return (
          (k === "max-age" && Number(value) <= 0) || (k === "expires" && Date.parse(value) <= Date.now())
        );
      });
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
  }

  /** The Cookie request header, or undefined when the jar is empty. */
  header() {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([n, v]) => `${n}=${v}`).join("; ");
  }
}

/** The Set-Cookie values among raw headers ([name, value, name, value, …], as autocannon gives them). */
export function setCookiesOf(rawHeaders) {
  const out = [];
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (String(rawHeaders[i]).toLowerCase() === "set-cookie") out.push(String(rawHeaders[i + 1]));
  return out;
}

/** GET `url` as a browser with `jar` would; resolves with the body text. */
export async function browse(url, jar) {
  const cookie = jar.header();
  const res = await fetch(url, { headers: cookie ? { cookie } : {} });
  jar.take(res.headers.getSetCookie());
  return res.text();
}

/**
 * The fairness check run before any session load: one browser asks for the counter three times and
 * must read 1, 2, 3. A contender that starts a new session on every request (a lost cookie) fails it.
 * @returns {Promise<string | undefined>} what went wrong, or undefined
 */
export async function countsForOneBrowser(baseUrl) {
  const jar = new Jar();
  const seen = [];
  for (let i = 0; i < 3; i++) seen.push(await browse(`${baseUrl}/`, jar));
  return seen.join(",") === "1,2,3" ? undefined : `one browser read ${seen.join(", ")} instead of 1, 2, 3`;
}
