/**
 * Session semantics on every store (docs/contract.md §3): a change is a change of value; every string JSON can
 * carry round-trips; of two cookies of the session's name the first live one is used; a request
 * that carried an id a login (regenerate) or logout (destroy) removed neither replaces the new
 * cookie nor learns the new id; and nothing brings a removed session back, with either locking.
 */
import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { newSessionId } from "../../src/sessions/ids.js";
import { Client, serveApp, type TestApp } from "../helpers/app.js";
import { dropTestNamespace, sharedStores } from "../helpers/services.js";

/** Strings JSON carries that some stores could not (PostgreSQL jsonb: NUL, unpaired surrogates). */
const WEIRD: [string, unknown][] = [
  ["nul", "a\u0000b"],
  ["high", "\ud800"],
  ["low", "x\udc00y"],
  ["reversed", "\udc00\ud800"],
  ["pair", "cherry 🍒"],
  ["separators", "\u2028\u2029"],
  ["controls", "\u0001\u001f\u007f"],
  ["nested", { list: ["\u0000", "\udfff"], "\u0000": true }],
  ["nul\u0000key", 1],
  ["\ud83d", "unpaired key"],
];

const APP = `
const rows = new Map();
export const control = { writes: 0, loads: 0 };
export function saveSessionData(id, data, exp) { control.writes++; rows.set(id, [JSON.stringify(data), exp]); }
export function loadSessionData(id) { control.loads++; const r = rows.get(id); return r ? [JSON.parse(r[0]), r[1]] : null; }
export function cleanUpOldSessions() {}
export function deleteSessionData(id) { rows.delete(id); }

const WEIRD = ${JSON.stringify(WEIRD)};
let waiting = [];
let entered = 0;
const gate = () => { entered++; return new Promise((resolve) => waiting.push(resolve)); };
const view = (request) => JSON.stringify({
  user: request.sessionMap.get("user") ?? null,
  n: request.sessionMap.get("n") ?? null,
  isNew: request.session.isNew,
});

export default class Root {
  same(request) {
    request.sessionMap.set("user", "bob");
    request.sessionMap.set("n", 1);
    if (!request.sessionMap.has("cart")) request.sessionMap.set("cart", { items: [1, 2] });
    request.sessionMap.set("tmp", "gone again");
    request.sessionMap.delete("tmp");
    request.sessionMap.delete("missing");
    return "same";
  }
  sameObject(request) { request.sessionMap.set("cart", { items: [1, 2] }); return "equal object"; }
  change(request) { request.sessionMap.set("n", request.sessionMap.get("n", 0) + 1); return "changed"; }
  mutate(request) { request.sessionMap.get("cart").items.push(3); return "mutated"; }
  peek(request) { return view(request); }
  whoami(request) {
    request.sessionMap.set("n", request.sessionMap.get("n", 0) + 1);
    return JSON.stringify({ id: request.sessionMap.get("_sessionId"), seen: JSON.parse(view(request)) });
  }
  weird(request) { for (const [k, v] of WEIRD) request.sessionMap.set(k, v); return "stored"; }
  dump(request) { return JSON.stringify(Object.fromEntries(request.sessionMap.entries())); }
  writes() { return String(control.writes); }
  loads() { return String(control.loads); }
  login(request) { request.session.regenerate(); request.sessionMap.set("user", "ada"); return "welcome"; }
  async slowlogin(request) {
    await gate();
    request.session.regenerate();
    request.sessionMap.set("user", "ada");
    return "welcome";
  }
  logout(request) { request.session.destroy(); return "bye"; }
  async slowinc(request) {
    const n = request.sessionMap.get("n", 0);
    await gate();
    request.sessionMap.set("n", n + 1);
    return String(n + 1);
  }
  entered() { return String(entered); }
  open() { const w = waiting; waiting = []; for (const resolve of w) resolve(); return String(w.length); }
}
`;

const STORES: Record<string, string> = {
  ram: "storageType = ram",
  file: "storageType = file\nstorageFileDir = sessions",
  cookie: `storageType = cookie\nsecret = ${"s".repeat(40)}`,
  custom: "storageType = custom",
  sqlite: "storageType = sqlite\nstorageFile = sessions.db",
};
const run = `s${randomBytes(4).toString("hex")}`;
Object.assign(STORES, await sharedStores(run, "session semantics"));
afterAll(() =>
  dropTestNamespace(run, {
    redis: Boolean(STORES.redis),
    postgres: Boolean(STORES.postgres),
    mysql: Boolean(STORES.mysql),
  }),
);

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const NAME = "CherryPySession";
const url = (p: string) => new URL(p, app?.url);
const withCookie = (p: string, cookie: string) => fetch(url(p), { headers: { cookie } });
const json = async (res: Response | Promise<Response>) => JSON.parse(await (await res).text());
const loads = async () => Number(await (await fetch(url("/loads"))).text());

/** Resolves once `count` handlers wait at the app's gate (polls; asserts no timing). */
async function entered(count: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (Number(await (await fetch(url("/entered"))).text()) >= count) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no handler reached the gate (${count})`);
}

describe.each(Object.keys(STORES))("session semantics: %s", (store) => {
  let now = Date.now();
  const start = (extra = "") =>
    serveApp(
      { "RootServer.cfg": `[session]\n${STORES[store]}\ntimeout = 60\n${extra}`, "src/root.ts": APP },
      { now: () => now },
    );
  const fileOf = (id: string) => path.join(app?.dir ?? "", "sessions", `session-${id}.json`);

  it("judges a change by value: storing what is already held only touches (no write, no cookie)", async () => {
    // A persistent cookie is re-sent on every write: a write that should not happen shows.
    app = await start("cookiePersistent = 1");
    const client = new Client(app.url);
    expect((await client.get("/same")).headers.get("set-cookie")).not.toBeNull();
    const id = client.jar.get(NAME) ?? "";
    const inode = store === "file" ? statSync(fileOf(id)).ino : undefined;
    const writes = Number(await (await fetch(url("/writes"))).text());
    for (let i = 0; i < 3; i++) {
      const res = await client.get("/same");
      expect(res.status).toBe(200);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    // An equal object in a new allocation is the same value once serialized (ram keeps values by
    // reference: there a new object is a new value, and writing it costs one Map.set).
    if (store !== "ram") expect((await client.get("/sameObject")).headers.get("set-cookie")).toBeNull();
    if (store === "file") expect(statSync(fileOf(id)).ino).toBe(inode);
    if (store === "custom") expect(Number(await (await fetch(url("/writes"))).text())).toBe(writes);
    // The control: a change of value is written and its cookie sent.
    expect((await client.get("/change")).headers.get("set-cookie")).not.toBeNull();
    if (store === "file") expect(statSync(fileOf(id)).ino).not.toBe(inode);
    if (store !== "ram") {
      // A nested value changed in place (through get) is a change of the serialized session too.
      expect((await client.get("/mutate")).headers.get("set-cookie")).not.toBeNull();
      expect((await json(client.get("/dump"))).cart).toEqual({ items: [1, 2, 3] });
    }
  });

  it("keeps every string JSON can carry (NUL, unpaired surrogates, separators), in values and keys", async () => {
    app = await start();
    const client = new Client(app.url);
    const res = await client.get("/weird");
    expect(res.status).toBe(200);
    expect(await json(client.get("/dump"))).toEqual(Object.fromEntries(WEIRD));
    // Read back again after an unchanged request: still the same, and still no rewrite needed.
    expect((await client.get("/dump")).headers.get("set-cookie")).toBeNull();
    expect(await json(client.get("/dump"))).toEqual(Object.fromEntries(WEIRD));
  });

  it("uses the first live session when its cookie comes twice (unknown, malformed or removed first)", async () => {
    app = await start();
    const client = new Client(app.url);
    await client.get("/change");
    await client.get("/change");
    const live = client.jar.get(NAME) ?? "";
    const gone = new Client(app.url);
    await gone.get("/change");
    const removed = gone.jar.get(NAME) ?? "";
    await gone.get("/logout");
    for (const first of [newSessionId(), "not-an-id", "", removed, `${live.slice(0, -4)}AAAA`]) {
      const res = await withCookie("/peek", `${NAME}=${first}; theme=dark; ${NAME}=${live}`);
      expect(await json(res)).toEqual({ user: null, n: 2, isNew: false });
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    // Three of them, the live one last; and a live one first still wins over a later one.
    const other = new Client(app.url);
    await other.get("/change");
    const three = `${NAME}=${newSessionId()}; ${NAME}=junk; ${NAME}=${live}`;
    expect((await json(withCookie("/peek", three))).n).toBe(2);
    expect((await json(withCookie("/peek", `${NAME}=${other.jar.get(NAME)}; ${NAME}=${live}`))).n).toBe(1);
  });

  it("tries at most the first 8 values of a header stuffed with session cookies", async () => {
    app = await start();
    const client = new Client(app.url);
    await client.get("/change");
    const live = client.jar.get(NAME) ?? "";
    const unknown = Array.from({ length: 200 }, () => `${NAME}=${newSessionId()}`);
    const loadsBefore = store === "custom" ? await loads() : 0;
    // The live id 9th: not reached. The live id 8th: used.
    expect(await json(withCookie("/peek", [...unknown.slice(0, 8), `${NAME}=${live}`].join("; ")))).toEqual({
      user: null,
      n: null,
      isNew: true,
    });
    expect((await json(withCookie("/peek", [...unknown.slice(0, 7), `${NAME}=${live}`].join("; ")))).n).toBe(
      1,
    );
    const stuffed = await withCookie("/peek", [...unknown, `${NAME}=${live}`].join("; "));
    expect(stuffed.status).toBe(200);
    if (store === "custom") expect((await loads()) - loadsBefore).toBeLessThanOrEqual(8 + 8 + 8);
  });

  it.skipIf(store === "cookie")(
    "login race: a request queued behind regenerate() keeps the new cookie and never learns the new id",
    async () => {
      app = await start();
      const client = new Client(app.url);
      await client.get("/change");
      const old = client.jar.get(NAME) ?? "";
      const login = client.get("/slowlogin");
      await entered(1);
      // Carries the old cookie and queues behind the login (default locking).
      const waiting = withCookie("/whoami", `${NAME}=${old}`);
      await new Promise((r) => setTimeout(r, 50));
      await fetch(url("/open"));
      const [loggedIn, raced] = await Promise.all([login, waiting]);
      expect(loggedIn.status).toBe(200);
      const fresh = client.jar.get(NAME) ?? "";
      expect(fresh).not.toBe(old);
      expect(raced.status).toBe(200);
      expect(raced.headers.get("set-cookie")).toBeNull();
      const body = await raced.text();
      expect(body).not.toContain(fresh);
      expect(JSON.parse(body).seen).toEqual({ user: null, n: 1, isNew: true });
      // The login holds, untouched by the raced request's write; the old id stays gone.
      expect(await json(client.get("/peek"))).toEqual({ user: "ada", n: 1, isNew: false });
      expect(await json(withCookie("/peek", `${NAME}=${old}`))).toEqual({ user: null, n: null, isNew: true });
    },
  );

  for (const [what, remover] of [
    ["regenerate() (login)", "/login"],
    ["destroy() (logout)", "/logout"],
  ]) {
    it.each(["implicit", "none"])(
      `locking = %s: a request still carrying the id ${what} removed sends no cookie, sees no data and writes nothing`,
      async (locking) => {
        app = await start(`locking = ${locking}`);
        const client = new Client(app.url);
        await client.get("/change");
        const old = client.jar.get(NAME) ?? "";
        await client.get(remover);
        const after = client.jar.get(NAME);
        for (let i = 0; i < 2; i++) {
          const raced = await withCookie("/whoami", `${NAME}=${old}`);
          expect(raced.headers.get("set-cookie")).toBeNull();
          const body = await raced.text();
          if (after) expect(body).not.toContain(after);
          expect(JSON.parse(body).seen).toEqual({ user: null, n: 1, isNew: true });
        }
        if (after) expect(await json(client.get("/peek"))).toEqual({ user: "ada", n: 1, isNew: false });
        if (store === "file") expect(existsSync(fileOf(old))).toBe(false);
        // A browser stuck with the old cookie is never stuck without a session: it may log in again
        // (its own regenerate()), and once the race is over (a minute) it gets an ordinary new one.
        const relogin = await withCookie("/login", `${NAME}=${old}`);
        expect(relogin.headers.get("set-cookie")).toMatch(new RegExp(`^${NAME}=`));
        now += 61_000;
        const later = await withCookie("/change", `${NAME}=${old}`);
        expect(later.headers.get("set-cookie")).toMatch(new RegExp(`^${NAME}=`));
      },
    );

    it(`with locking = none, a slow request that began before ${what} does not bring the session back`, async () => {
      app = await start("locking = none");
      const client = new Client(app.url);
      await client.get("/change");
      const old = client.jar.get(NAME) ?? "";
      const slow = withCookie("/slowinc", `${NAME}=${old}`);
      await entered(1);
      expect((await client.get(remover)).status).toBe(200);
      expect(await (await fetch(url("/open"))).text()).toBe("1");
      const ended = await slow;
      expect(ended.status).toBe(200);
      expect(ended.headers.get("set-cookie")).toBeNull();
      if (store === "file") expect(existsSync(fileOf(old))).toBe(false);
      expect(await json(withCookie("/peek", `${NAME}=${old}`))).toEqual({ user: null, n: null, isNew: true });
      if (remover === "/login")
        expect(await json(client.get("/peek"))).toEqual({ user: "ada", n: 1, isNew: false });
    });
  }
});
