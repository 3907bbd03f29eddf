/** CherryPy 0.10's keys, its files' mistakes, and config files of later CherryPy versions. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApp, type TestApp } from "../helpers/app.js";
import { ok, problems } from "./_resolve.js";

describe("every key CherryPy 0.10 read is known", () => {
  it("reads the SSL client-certificate keys and typeOfRequests instead of suggesting other keys", () => {
    const config = ok(
      [
        "[server]",
        "sslKeyFile = k.pem",
        "sslCertificateFile = c.pem",
        "sslClientCertificateVerification = 1",
        "sslCACertificateFile = ca.pem",
        "sslVerifyDepth = 3",
        "typeOfRequests = web",
        "[cache]",
        "flushCacheDelay = 5",
      ].join("\n"),
    );
    expect(config.server.sslClientCertificateVerification).toBe(true);
    expect(config.server.sslCACertificateFile).toBe("/srv/app/ca.pem");
    expect(config.server.sslVerifyDepth).toBe(3);
    expect(config.notes).toEqual([
      expect.stringMatching(/^RootServer.cfg:6: \[server\] sslVerifyDepth: ignored: Node's TLS/),
      "RootServer.cfg:9: [cache] flushCacheDelay: ignored: cherry has no page cache",
    ]);
  });

  it("never puts sslCACertificateFile where the server certificate goes", () => {
    const found = problems("[server]\nsslCACertificateFile = ca.pem\nsslClientCertificateVerification = 1\n");
    expect(found.join("\n")).not.toContain('did you mean "sslCertificateFile"');
    expect(found[0]).toContain("client certificates need HTTPS");
  });

  it("requires the CA file when client certificates are verified", () => {
    expect(
      problems("[server]\nsslKeyFile = k\nsslCertificateFile = c\nsslClientCertificateVerification = 1\n")[0],
    ).toMatch(
      /^RootServer.cfg:4: \[server\] sslClientCertificateVerification: client certificates are checked/,
    );
  });

  it("accepts 0.10's typeOfRequests values and notes that xmlRpc is not served", () => {
    const config = ok("[server]\ntypeOfRequests = web,xmlRpc\n");
    expect(config.notes).toEqual([
      "RootServer.cfg:2: [server] typeOfRequests: xmlRpc ignored: cherry serves web requests only (no XML-RPC)",
    ]);
    expect(problems("[server]\ntypeOfRequests = soap\n")[0]).toContain("expected web and/or xmlRpc");
  });
});

describe("one error per mistake", () => {
  it.each([
    ["storageType = files\nstorageFileDir = /tmp/s", "files", "file"],
    ["storageType = Redis2", "Redis2", "redis"],
    ["cookieSameSite = lax2", "lax2", "Lax"],
    ["locking = implict", "implict", "implicit"],
  ])("%s: a suggestion and no second error", (lines, got, suggestion) => {
    const found = problems(`[session]\n${lines}\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`got "${got}"; did you mean "${suggestion}"?`);
    expect(found[0]).not.toContain('got ""');
  });
});

describe("a failed storageType silences only the store rules", () => {
  it("still reports the other keys' rules", () => {
    const found = problems(
      "[server]\nsslKeyFile = k.pem\n[session]\nstorageType = files\ncookieSameSite = None\n",
    );
    expect(found).toHaveLength(3);
    expect(found[0]).toContain("sslKeyFile: HTTPS needs both files");
    expect(found[1]).toContain('did you mean "file"?');
    expect(found[2]).toContain("SameSite=None without Secure");
  });
});

describe("config files of later CherryPy versions", () => {
  it("says once that a CherryPy 2 file is another format, with the key each setting maps to", () => {
    const found = problems(
      [
        "[global]",
        "server.socket_port = 8080",
        "server.socket_host = '0.0.0.0'",
        "session_filter.on = True",
        "session_filter.storage_type = 'file'",
        "session_filter.storage_path = 'sessions'",
        "[/static]",
        "static_filter.on = True",
        'static_filter.dir = "/srv/static"',
      ].join("\n"),
    );
    expect(found).toHaveLength(1);
    const [message] = found;
    expect(message).toMatch(/^RootServer.cfg:1: this is a config file of a later CherryPy/);
    expect(message).toContain("RootServer.cfg:2: server.socket_port -> [server] socketPort");
    expect(message).toContain("RootServer.cfg:3: server.socket_host -> [server] socketHost");
    expect(message).toContain("RootServer.cfg:4: session_filter.on -> [session] storageType");
    expect(message).toContain("RootServer.cfg:6: session_filter.storage_path -> [session] storageFileDir");
    expect(message).toContain(
      "RootServer.cfg:9: static_filter.dir in [/static] -> [staticContent] static = ",
    );
  });

  it("recognises CherryPy 3's [/] sections and tools.sessions keys", () => {
    const found = problems(
      "[/]\ntools.sessions.on = True\ntools.sessions.storage_path = '/tmp'\ntools.sessions.timeout = 60\n",
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toContain("RootServer.cfg:3: tools.sessions.storage_path -> [session] storageFileDir");
    expect(found[0]).toContain("RootServer.cfg:4: tools.sessions.timeout -> [session] timeout");
  });

  it("leaves [staticContent] file names that look like dotted settings alone", () => {
    const config = ok("[staticContent]\nlog.txt = log.txt\nserver.css = server.css\n");
    expect(config.staticContent.map((m) => m.prefix).sort()).toEqual(["/log.txt", "/server.css"]);
  });

  it("recognises dotted keys inside a RootServer.cfg section too, and still checks the rest", () => {
    const found = problems("[server]\nserver.socket_port = 8080\nsocketHots = x\n");
    expect(found).toHaveLength(2);
    expect(found[0]).toContain("server.socket_port -> [server] socketPort");
    expect(found[1]).toContain('did you mean "socketHost"?');
  });
});

describe("[staticContent] maps a file (CherryPy 2.0's static test: style.css = style.css)", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await serveApp({
      "RootServer.cfg": "[staticContent]\nstyle.css = style.css\n/static = public\n",
      "style.css": "body { color: red }",
      "public/a.txt": "a",
    });
  });
  afterAll(() => app.close());

  it("serves the file at its prefix, without a 'does not exist' warning", async () => {
    const res = await fetch(new URL("/style.css", app.url));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("body { color: red }");
    expect(res.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(app.logger.lines.join("\n")).not.toContain("does not exist");
  });

  it("serves nothing below a file mount", async () => {
    expect((await fetch(new URL("/style.css/x", app.url))).status).toBe(404);
    expect((await fetch(new URL("/static/a.txt", app.url))).status).toBe(200);
  });

  it("never serves a dotfile or the config file through a one-file mount, and warns when one mounts the config file", async () => {
    const other = await serveApp({
      "RootServer.cfg": "[staticContent]\nenv = .env\ncfg = RootServer.cfg\n",
      ".env": "SECRET=1",
    });
    try {
      expect((await fetch(new URL("/env", other.url))).status).toBe(404);
      expect((await fetch(new URL("/cfg", other.url))).status).toBe(404);
      expect(other.logger.lines.join("\n")).toMatch(
        /\[static\] \/cfg is .*RootServer.cfg, a file cherry uses: it answers 404/,
      );
    } finally {
      await other.close();
    }
  });

  it("warns only when the path does not exist at all", () => {
    const config = ok("[staticContent]\nstyle.css = missing.css\n", { dir: "/nonexistent-cherry" });
    expect(config.notes).toEqual([expect.stringContaining("missing.css does not exist yet")]);
  });
});
