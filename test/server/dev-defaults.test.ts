/**
 * Dev-server defaults a security reviewer expects (SECURITY.md): no dotfiles from static folders,
 * a Host check against DNS rebinding in watch mode, warnings for risky setups, and production
 * answers that name a store failure in general terms while the log keeps the details.
 */
import { renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerConfig } from "../../src/config/types.js";
import { bindsAllInterfaces } from "../../src/server/_hosts.js";
import { Client, serveApp, type TestApp } from "../helpers/app.js";
import { rawGet } from "../helpers/raw.js";

/** GET with any Host header (fetch derives Host from the URL). */
function getWithHost(
  base: string,
  pathname: string,
  host: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(pathname, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers: { ...headers, ...(host === undefined ? {} : { host }) },
        setHost: host !== undefined,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          body += chunk;
          // The live-reload stream never ends: its first bytes are enough.
          if (res.headers["content-type"] === "text/event-stream") res.destroy();
        });
        res.on("close", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const STATIC_FILES = {
  "public/hello.txt": "hello\n",
  "public/.env": "SECRET=1\n",
  "public/.git/config": "[core]\n",
  "public/a/.hidden/b.txt": "hidden\n",
  "public/a/.htpasswd": "user:hash\n",
  "public/.well-known/security.txt": "Contact: mailto:x@example.test\n",
  "public/.well-known/.secret": "no\n",
};

describe("static folders never serve path segments starting with a dot", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await serveApp({ "RootServer.cfg": "[staticContent]\nstatic = public\n", ...STATIC_FILES });
    symlinkSync(path.join(app.dir, "public/.env"), path.join(app.dir, "public/env-link.txt"));
  });
  afterAll(() => app.close());

  it.each([
    "/static/.env",
    "/static/.git/config",
    "/static/a/.hidden/b.txt",
    "/static/a/.htpasswd",
    "/static/%2eenv",
    "/static/%2Eenv",
    "/static/%2egit/config",
    "/static/a/%2ehidden/b.txt",
    "/static/.well-known/security.txt",
    "/static/env-link.txt",
  ])("%s is a 404", async (p) => {
    const answer = await rawGet(app.url, p);
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 404 Not Found");
    expect(answer).not.toMatch(/SECRET|core|hidden\n|user:hash|Contact/);
  });

  it("still serves plain names", async () => {
    expect(await (await fetch(`${app.url}/static/hello.txt`)).text()).toBe("hello\n");
  });
});

describe("[server] staticWellKnown = 1", () => {
  it("serves .well-known/ at the top of a mount, and no other dot segment", async () => {
    const app = await serveApp({
      "RootServer.cfg": "[server]\nstaticWellKnown = 1\n[staticContent]\nstatic = public\n",
      ...STATIC_FILES,
    });
    try {
      const ok = await fetch(`${app.url}/static/.well-known/security.txt`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("Contact");
      expect((await fetch(`${app.url}/static/%2ewell-known/security.txt`)).status).toBe(200);
      for (const p of ["/static/.well-known/.secret", "/static/.env", "/static/a/.well-known/x"])
        expect((await rawGet(app.url, p)).split("\r\n")[0]).toBe("HTTP/1.1 404 Not Found");
    } finally {
      await app.close();
    }
  });
});

describe("startup warnings", () => {
  it("warns when a static mount contains the config file or the app module", async () => {
    const app = await serveApp({ "RootServer.cfg": "[staticContent]\nall = .\nsrc = src\n" });
    try {
      const warnings = app.logger.lines.filter((l) => l.startsWith("warn: [static]"));
      expect(warnings.some((l) => l.includes("/all/") && l.includes("RootServer.cfg"))).toBe(true);
      expect(warnings.some((l) => l.includes("/all/src/root.ts"))).toBe(true);
      expect(warnings.some((l) => l.includes("/src/root.ts") && l.startsWith("warn: [static] /src/"))).toBe(
        true,
      );
      expect(warnings).toHaveLength(3);
    } finally {
      await app.close();
    }
  });

  it("does not warn for a folder of public files", async () => {
    const app = await serveApp({ "RootServer.cfg": "[staticContent]\nstatic = public\n", ...STATIC_FILES });
    try {
      expect(app.logger.lines.filter((l) => l.startsWith("warn:"))).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it.each([
    ["", true],
    ["0.0.0.0", true],
    ["0", true],
    ["0.0", true],
    ["0x0", true],
    ["::", true],
    ["::0", true],
    ["[::]", true],
    ["0:0:0:0:0:0:0:0", true],
    ["[0000::0]", true],
    ["127.0.0.1", false],
    ["::1", false],
    ["[::1]", false],
    ["10.0.0.1", false],
    ["localhost", false],
  ])("socketHost %j binds all interfaces: %s", (socketHost, all) => {
    const config = { socketHost, socketFile: "" } as ServerConfig;
    expect(bindsAllInterfaces(config)).toBe(all);
  });

  it.each(["::0", "[::]", "0:0:0:0:0:0:0:0", "0"])(
    "socketHost = %s: serves, and watch mode warns that it is bound to all interfaces",
    async (socketHost) => {
      const app = await serveApp(
        { "RootServer.cfg": `[server]\nsocketHost = ${socketHost}\n[session]\nstorageType = ram\n` },
        { watch: true },
      );
      try {
        expect(
          app.logger.lines.some((l) => l.startsWith("warn: watch mode is bound to all interfaces")),
        ).toBe(true);
        const port = new URL(app.url).port;
        const res = await fetch(`http://127.0.0.1:${port}/`);
        expect(res.status, await res.text()).toBe(200);
      } finally {
        await app.close();
      }
    },
  );

  it("warns when watch mode is bound to all interfaces, and not in production", async () => {
    const watching = await serveApp(
      { "RootServer.cfg": "[server]\nsocketHost = 0.0.0.0\n" },
      { watch: true },
    );
    const production = await serveApp({ "RootServer.cfg": "[server]\nsocketHost = 0.0.0.0\n" });
    try {
      expect(
        watching.logger.lines.some((l) => l.startsWith("warn: watch mode is bound to all interfaces")),
      ).toBe(true);
      expect(production.logger.lines.some((l) => l.includes("all interfaces"))).toBe(false);
    } finally {
      await watching.close();
      await production.close();
    }
  });
});

describe("Host header check in watch mode (DNS rebinding)", () => {
  const ROOT =
    "export default { index() { return '<html><body>app</body></html>'; }, boom() { throw new Error('kaboom at /abs/path'); } };";
  let app: TestApp;
  beforeAll(async () => {
    app = await serveApp(
      {
        "RootServer.cfg":
          "[server]\nallowedHosts = dev.example.test, .preview.example.test\n[staticContent]\nstatic = public\n",
        "src/root.ts": ROOT,
        ...STATIC_FILES,
      },
      { watch: true },
    );
  });
  afterAll(() => app.close());

  it.each([
    "evil.example",
    "evil.example:8000",
    "localhost.evil.example",
    "127.0.0.1.nip.io",
    "example.test",
    "xpreview.example.test",
    "10.0.0.1",
    "[::2]",
    "localhost:80@evil.example",
  ])(
    "answers Host %s with 403 on the app, static files, error pages and the live-reload stream",
    async (host) => {
      for (const p of ["/", "/static/hello.txt", "/boom", "/missing", "/__cherry/live"]) {
        const res = await getWithHost(app.url, p, host, { accept: "text/html" });
        expect(res.status, `${host} ${p}`).toBe(403);
        expect(res.body).toContain("[server] allowedHosts");
        expect(res.body).not.toMatch(/kaboom|hello|app/);
      }
    },
  );

  it.each([
    "localhost",
    "LOCALHOST:1234",
    "localhost.",
    "app.localhost:8000",
    "127.0.0.1",
    "127.0.0.1:9",
    "[::1]:8000",
    "dev.example.test",
    "preview.example.test",
    "pr-7.preview.example.test:443",
  ])("answers Host %s", async (host) => {
    const res = await getWithHost(app.url, "/", host);
    expect(res.status).toBe(200);
    expect(res.body).toContain("app");
    expect((await getWithHost(app.url, "/__cherry/live", host)).status).toBe(200);
  });

  it("answers an HTTP/1.0 request without Host (a tool, never a browser)", async () => {
    const { port } = new URL(app.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), "127.0.0.1", () => socket.write("GET / HTTP/1.0\r\n\r\n"));
      let data = "";
      socket.on("data", (chunk) => {
        data += chunk;
      });
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
  });

  it("answers any Host outside watch mode, and every Host with allowedHosts = *", async () => {
    const production = await serveApp({ "src/root.ts": ROOT });
    const any = await serveApp(
      { "RootServer.cfg": "[server]\nallowedHosts = *\n", "src/root.ts": ROOT },
      { watch: true },
    );
    try {
      expect((await getWithHost(production.url, "/", "evil.example")).status).toBe(200);
      expect((await getWithHost(any.url, "/", "evil.example")).status).toBe(200);
    } finally {
      await production.close();
      await any.close();
    }
  });

  it("answers the bound address when it is not a loopback name", async () => {
    const bound = await serveApp(
      { "RootServer.cfg": "[server]\nsocketHost = 127.0.0.2\n", "src/root.ts": ROOT },
      { watch: true },
    );
    try {
      const port = new URL(bound.url).port;
      expect((await getWithHost(bound.url, "/", `127.0.0.2:${port}`)).status).toBe(200);
      expect((await getWithHost(bound.url, "/", "127.0.0.3")).status).toBe(403);
    } finally {
      await bound.close();
    }
  });

  it("answers the bound address, and every interface's address when bound to all", async () => {
    const all = await serveApp(
      { "RootServer.cfg": "[server]\nsocketHost = 0.0.0.0\n", "src/root.ts": ROOT },
      { watch: true },
    );
    try {
      const port = new URL(all.url).port;
      const addresses = Object.values(os.networkInterfaces())
        .flat()
        .filter((i) => i !== undefined && i.family === "IPv4")
        .map((i) => i?.address as string);
      for (const address of addresses)
        expect((await getWithHost(all.url, "/", `${address}:${port}`)).status).toBe(200);
      expect((await getWithHost(all.url, "/", "evil.example")).status).toBe(403);
    } finally {
      await all.close();
    }
  });
});

describe("production answers to store failures", () => {
  const APP =
    "export default { index(r) { const n = r.sessionMap.get('n', 0) + 1; r.sessionMap.set('n', n); return String(n); }, bad(r) { r.sessionMap.set('f', () => 1); return 'x'; } };";

  async function failingFileStore(watch: boolean) {
    const app = await serveApp(
      { "RootServer.cfg": "[session]\nstorageType = file\nstorageFileDir = sessions\n", "src/root.ts": APP },
      { watch },
    );
    const browser = new Client(app.url);
    expect(await browser.text("/")).toMatch(/^1/); // watch mode appends the live-reload script
    const dir = path.join(app.dir, "sessions");
    renameSync(dir, `${dir}.away`);
    writeFileSync(dir, "not a folder: every write now fails with ENOTDIR");
    return { app, browser, dir };
  }

  it.each([
    ["text/plain", "*/*"],
    ["an HTML page", "text/html"],
  ])(
    "--no-watch, file writes failing (%s): 503 'session store unavailable', no path, no OS error; the log has both",
    async (_, accept) => {
      const { app, browser, dir } = await failingFileStore(false);
      try {
        const res = await browser.get("/", { headers: { accept } });
        const body = await res.text();
        expect(res.status).toBe(503);
        expect(body).toContain("session store unavailable");
        expect(body).not.toContain(app.dir);
        expect(body).not.toMatch(/ENOTDIR|\.tmp-|not a directory/i);
        const logged = app.logger.lines.filter((l) => l.startsWith("error: [sessions]")).join("\n");
        expect(logged).toContain("ENOTDIR");
        expect(logged).toContain(dir);
      } finally {
        rmSync(dir);
        await app.close();
      }
    },
  );

  it("--no-watch: an unstorable value is a 500 'session error' without the store's wording", async () => {
    const app = await serveApp({
      "RootServer.cfg": "[session]\nstorageType = file\nstorageFileDir = sessions\n",
      "src/root.ts": APP,
    });
    try {
      const res = await fetch(`${app.url}/bad`);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe("500 Internal Server Error: session error\n");
      expect(app.logger.lines.some((l) => l.includes('session value "f" cannot be stored'))).toBe(true);
    } finally {
      await app.close();
    }
  });

  it("watch mode keeps the detail for the developer", async () => {
    const { app, browser, dir } = await failingFileStore(true);
    try {
      const res = await browser.get("/");
      expect(res.status).toBe(503);
      expect(await res.text()).toContain("ENOTDIR");
    } finally {
      rmSync(dir);
      await app.close();
    }
  });
});
