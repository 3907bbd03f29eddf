import { afterEach, describe, expect, it } from "vitest";
import { Client, serveApp, type TestApp } from "../helpers/app.js";

/** A custom store that counts writes and can be told to fail them, over a Map. */
const APP = `
const rows = new Map();
export const control = { failWrites: false, writes: 0 };
export function saveSessionData(id, data, exp) {
  control.writes++;
  if (control.failWrites) throw new Error("disk full");
  rows.set(id, [JSON.stringify(data), exp]);
}
export function loadSessionData(id) { const r = rows.get(id); return r ? [JSON.parse(r[0]), r[1]] : null; }
export function cleanUpOldSessions() {}
export default class Root {
  async inc(request) {
    const n = request.sessionMap.get("n", 0);
    await new Promise((r) => setTimeout(r, 5));
    request.sessionMap.set("n", n + 1);
    return String(n + 1);
  }
  async incThenThrow(request) {
    request.sessionMap.set("n", request.sessionMap.get("n", 0) + 1000);
    await new Promise((r) => setTimeout(r, 5));
    throw new Error("handler failed");
  }
  async clear(request) {
    request.sessionMap.clear();
    return "cleared";
  }
  peek(request) { return String(request.sessionMap.get("n", 0)); }
  writes() { return String(control.writes); }
  fail(request) { control.failWrites = request.params.on === "1"; return "ok"; }
}
`;

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function hot(n: number, path: string, cookie: string) {
  return Promise.all(
    Array.from({ length: n }, () => fetch(new URL(path, app?.url), { headers: { cookie } })),
  );
}

/** Serves APP on the custom store and opens one session: its browser and its Cookie header. */
async function oneSession() {
  const served = await serveApp({
    "RootServer.cfg": "[session]\nstorageType = custom\n",
    "src/root.ts": APP,
  });
  app = served;
  const client = new Client(served.url);
  await client.get("/inc");
  return { client, cookie: `CherryPySession=${client.jar.get("CherryPySession")}`, url: served.url };
}

/** Five /inc requests of one session at once, then one to `last`, queued behind them. */
function fiveIncsThen(last: string, cookie: string) {
  return Promise.all([
    ...Array.from({ length: 5 }, () => fetch(new URL("/inc", app?.url), { headers: { cookie } })),
    fetch(new URL(last, app?.url), { headers: { cookie } }),
  ]);
}

describe("group commit (queued requests of one session)", () => {
  it("writes fewer times than it answers, and loses nothing", async () => {
    const { client, cookie, url } = await oneSession();
    const before = Number(await (await fetch(new URL("/writes", url))).text());
    const answers = await hot(40, "/inc", cookie);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const writes = Number(await (await fetch(new URL("/writes", url))).text()) - before;
    expect(await client.text("/peek")).toBe("41");
    expect(writes).toBeLessThan(40);
    expect(writes).toBeGreaterThanOrEqual(1);
  });

  it("fails every request of a group whose write failed: none reports success", async () => {
    const { client, cookie, url } = await oneSession();
    await fetch(new URL("/fail?on=1", url));
    const answers = await hot(10, "/inc", cookie);
    expect(answers.every((r) => r.status >= 500)).toBe(true);
    await fetch(new URL("/fail?on=0", url));
    expect(await client.text("/peek")).toBe("1");
  });

  it("still writes the group when its last request throws", async () => {
    const { client, cookie } = await oneSession();
    const answers = await fiveIncsThen("/incThenThrow", cookie);
    expect(answers.slice(0, 5).every((r) => r.status === 200)).toBe(true);
    expect(answers[5].status).toBe(500);
    expect(await client.text("/peek")).toBe("6");
  });

  it("answers queued requests whose state a later request of the group cleared", async () => {
    const { client, cookie } = await oneSession();
    const answers = await fiveIncsThen("/clear", cookie);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers[5].headers.get("set-cookie")).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(await client.text("/peek")).toBe("0");
  });
});
