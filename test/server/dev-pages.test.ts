/**
 * Watch mode's pages for a developer: a thrown error shows the app's frames first with their source
 * lines and folds cherry's, Node's and the packages' frames; a 404 lists what the app publishes and
 * says why the path is not among it. Production keeps its generic pages.
 */
import { afterEach, describe, expect, it } from "vitest";
import { serveApp, type TestApp } from "../helpers/app.js";

const UTIL = `export function total(items: { price: number }[]): number {
  return items.reduce((sum, item) => sum + item.price, 0);
}
`;

const ROOT = `import { total } from "./util.js";
import { explode } from "exploding-dep";

class Admin {
  index() { return "admin"; }
  users() { return "users"; }
  _secret() { return "no"; }
}

export default class Root {
  admin = new Admin();
  title = "a string";
  index() { return "home"; }
  cart() {
    return String(total([{ price: 1 }, undefined as never]));
  }
  async later() {
    await new Promise((r) => setTimeout(r, 1));
    throw new RangeError("too late");
  }
  dep() {
    return explode();
  }
  wrapped() {
    try {
      this.cart();
    } catch (error) {
      throw new Error("checkout failed", { cause: error });
    }
  }
  login() { return "login"; }
  html(request: { params: Record<string, string> }) {
    throw new Error(String(request.params.m));
  }
}
`;

const DEP = `export function explode() {\n  throw new Error("the package blew up");\n}\n`;

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const lineOf = (source: string, text: string) => source.split("\n").findIndex((l) => l.includes(text)) + 1;

async function html(pathname: string): Promise<{ status: number; body: string }> {
  const res = await fetch(new URL(pathname, app?.url), { headers: { accept: "text/html" } });
  return { status: res.status, body: await res.text() };
}

/** The page without its folded stack (the <details> part). */
const open = (body: string) => body.replace(/<details>[\s\S]*?<\/details>/g, "");

async function serveDev(files: Record<string, string> = {}, watch = true): Promise<TestApp> {
  const served = await serveApp(
    {
      "src/root.ts": ROOT,
      "src/util.ts": UTIL,
      "node_modules/exploding-dep/package.json": JSON.stringify({
        name: "exploding-dep",
        type: "module",
        main: "index.js",
      }),
      "node_modules/exploding-dep/index.js": DEP,
      ...files,
    },
    { watch, liveReload: false },
  );
  return served;
}

describe("the watch-mode page for a thrown error", () => {
  it("shows the app's frames first, each with its source lines, paths relative to the app", async () => {
    app = await serveDev();
    const { status, body } = await html("/cart");
    expect(status).toBe(500);
    expect(body).toContain(
      "TypeError</strong>: Cannot read properties of undefined (reading &#39;price&#39;)",
    );
    const shown = open(body);
    const cartLine = lineOf(ROOT, "String(total(");
    // The frames in order: util.ts (where it threw), then root.ts's handler that called it.
    expect(shown.indexOf("src/util.ts:2:")).toBeGreaterThan(-1);
    expect(shown.indexOf(`src/root.ts:${cartLine}:`)).toBeGreaterThan(shown.indexOf("src/util.ts:2:"));
    // Each with a code frame: the line itself, marked, and a caret.
    expect(shown).toContain(
      `&gt; ${cartLine} |     return String(total([{ price: 1 }, undefined as never]));`,
    );
    expect(shown).toContain("&gt; 2 |   return items.reduce((sum, item) =&gt; sum + item.price, 0);");
    expect(shown).toMatch(/\|\s+\^/);
    // cherry's own frames and Node's are folded, with paths relative to cherry, never absolute.
    expect(shown).not.toMatch(/handler\.(ts|js)|node:/);
    expect(body).toMatch(
      /<details><summary>Full stack: \d+ frames, \d+ of them cherry&#39;s, Node\.js&#39;s or a package&#39;s/,
    );
    expect(body).toMatch(
      /<li class="cherry">[^<]*cherry\/(src|dist)\/server\/handler\.(ts|js):\d+:\d+<\/li>/,
    );
    expect(body).not.toContain(app.dir);
    // The terminal gets the same order, with the first frame's code.
    const logged = app.logger.lines.find((l) => l.includes("handler for /cart threw")) ?? "";
    expect(logged).toContain("at total (src/util.ts:2:");
    expect(logged).toContain(`src/root.ts:${cartLine}:`);
    expect(logged).toMatch(/… \d+ frames of cherry, Node\.js and packages/);
    expect(logged).not.toContain(app.dir);
  });

  it("covers async handlers, errors thrown inside a package, and an error's cause", async () => {
    app = await serveDev();
    const later = open((await html("/later")).body);
    expect(later).toContain("RangeError</strong>: too late");
    expect(later).toContain(`src/root.ts:${lineOf(ROOT, "too late")}:`);
    expect(later).toContain(
      `&gt; ${lineOf(ROOT, "too late")} |     throw new RangeError(&quot;too late&quot;);`,
    );

    const dep = await html("/dep");
    // The app's frame is shown open; the package's frame is folded, relative to the app.
    expect(open(dep.body)).toContain(`src/root.ts:${lineOf(ROOT, "return explode()")}:`);
    expect(open(dep.body)).not.toContain("node_modules/exploding-dep");
    expect(dep.body).toContain('<li class="dependency">explode node_modules/exploding-dep/index.js:2:');

    const wrapped = await html("/wrapped");
    expect(wrapped.body).toContain("Error</strong>: checkout failed");
    expect(wrapped.body).toContain("Caused by TypeError: Cannot read properties of undefined");
    expect(open(wrapped.body).match(/src\/util\.ts:2:/g)?.length).toBeGreaterThanOrEqual(1);
  });

  it("shows the frames of an app that throws while loading", async () => {
    const broken = `const config = JSON.parse("{not json");\nexport default class Root { index() { return config; } }\n`;
    app = await serveDev({ "src/root.ts": broken });
    const { status, body } = await html("/");
    expect(status).toBe(500);
    expect(body).toContain("The app threw while loading");
    expect(open(body)).toContain("&gt; 1 | const config = JSON.parse(&quot;{not json&quot;);");
    expect(body).not.toContain(app.dir);
  });

  it("stays generic outside watch mode", async () => {
    app = await serveDev({}, false);
    const { status, body } = await html("/cart");
    expect(status).toBe(500);
    expect(body).not.toContain("src/util.ts");
    expect(body).not.toContain("price");
  });
});

describe("what the developer pages echo is escaped", () => {
  it("never puts markup from the path or an error message into the page", async () => {
    app = await serveDev();
    const payload = "<img src=x onerror=alert(1)>";
    const missing = await html(`/${encodeURIComponent(payload)}`);
    expect(missing.status).toBe(404);
    expect(missing.body).not.toContain("<img");
    expect(missing.body).toContain("&lt;img src=x onerror=alert(1)&gt;");
    const thrown = await html(`/html?m=${encodeURIComponent(payload)}`);
    expect(thrown.status).toBe(500);
    expect(thrown.body).not.toContain("<img");
    expect(thrown.body).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });
});

describe("the watch-mode 404 page", () => {
  it("lists the published paths and says why each kind of path is not reached", async () => {
    app = await serveDev();
    const cases: [string, string][] = [
      [
        "/admin/_secret",
        "&quot;_secret&quot; starts with &quot;_&quot;: such names are private and never published",
      ],
      ["/_private", "&quot;_private&quot; starts with &quot;_&quot;"],
      ["/cart/b", "&quot;cart&quot; is a method: /cart calls it, and nothing is published below it."],
      ["/login/", "&quot;login&quot; is a method: /login (without the trailing slash) calls it."],
      ["/admn", "/ publishes nothing named &quot;admn&quot;; did you mean &quot;admin&quot;?"],
      ["/admin/user", "/admin/ publishes nothing named &quot;user&quot;; did you mean &quot;users&quot;?"],
      ["/title", "&quot;title&quot; in / is a string, not a method or an object"],
      ["/toString", "&quot;toString&quot; is inherited from Object, and such names are never published."],
      ["/constructor", "&quot;constructor&quot; is never published."],
    ];
    for (const [pathname, why] of cases) {
      const { status, body } = await html(pathname);
      expect(status, pathname).toBe(404);
      expect(body, pathname).toContain(why);
      const listed = [...body.matchAll(/<li><a href="([^"]+)">/g)].map((m) => m[1]);
      expect(listed).toEqual([
        "/",
        "/admin/",
        "/admin/users",
        "/cart",
        "/dep",
        "/html",
        "/later",
        "/login",
        "/wrapped",
      ]);
    }
    // Clients that do not ask for HTML (curl, fetch) keep the one line.
    const plain = await fetch(new URL("/nope", app.url));
    expect(await plain.text()).toBe("The path '/nope' was not found.\n");
  });

  it("explains a default-exported function, which publishes nothing, on the page and in the terminal", async () => {
    for (const source of [
      "export default function index() { return 'hi'; }\n",
      "export default async function handler() { return 'hi'; }\n",
      "export default () => 'hi';\n",
    ]) {
      app = await serveDev({ "src/root.ts": source });
      const { status, body } = await html("/");
      expect(status, source).toBe(404);
      expect(body, source).toContain("The default export is the function");
      expect(body, source).toContain("so a function alone publishes nothing");
      expect(body, source).toContain("The app publishes no path");
      expect(app.logger.lines.some((l) => l.startsWith("warn: The default export is the function"))).toBe(
        true,
      );
      await app.close();
      app = undefined;
    }
  });

  it("still publishes an ES5 constructor's prototype methods, and stays bare outside watch mode", async () => {
    app = await serveDev({
      "src/root.ts":
        "function Root() {}\nRoot.prototype.index = function () { return 'es5'; };\nexport default Root;\n",
    });
    expect(await (await fetch(app.url)).text()).toBe("es5");
    await app.close();
    app = await serveDev({}, false);
    const { status, body } = await html("/_private");
    expect(status).toBe(404);
    expect(body).toBe("The path '/_private' was not found.\n");
  });
});
