import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/tmp.js";
import { ok, problems, SECRET } from "./_resolve.js";

describe("unknown names", () => {
  it("suggests the nearest key", () => {
    expect(problems("[session]\nstorageTyp=ram\n")).toEqual([
      'RootServer.cfg:2: [session] storageTyp: unknown key; did you mean "storageType"?',
    ]);
  });

  it("suggests the nearest section", () => {
    expect(problems("[sesion]\n")[0]).toContain(
      'unknown section (expected one of [DEFAULT], [server], [session], [staticContent], [cache]; section names are case-sensitive); did you mean "session"?',
    );
  });

  it("gives no suggestion when nothing is close", () => {
    expect(problems("[server]\nzzzzzzzz=1\n")[0]).toBe("RootServer.cfg:2: [server] zzzzzzzz: unknown key");
  });

  it("notes ignored 0.10 keys with their line", () => {
    const config = ok("[server]\nthreadPool=10\nforking=0\n");
    expect(config.notes).toEqual([
      "RootServer.cfg:2: [server] threadPool: ignored: Node is event-driven",
      "RootServer.cfg:3: [server] forking: ignored: Node is event-driven",
    ]);
  });
});

describe("0.10 and session rules", () => {
  it("requires storageFileDir for the file store, blaming the storageType line", () => {
    expect(problems("[session]\n\nstorageType=file\n")[0]).toMatch(
      /^RootServer.cfg:3: \[session\] storageType: the file store needs a folder/,
    );
  });

  it("rejects storageFileDir with another store", () => {
    expect(problems("[session]\nstorageType=ram\nstorageFileDir=/tmp/s\n")[0]).toMatch(
      /^RootServer.cfg:3: \[session\] storageFileDir: only used by the file store/,
    );
  });

  it("rejects ram with several processes and names the stores that work", () => {
    const [line] = problems("[server]\nprocessPool=4\n[session]\nstorageType=ram\n");
    expect(line).toMatch(
      /^RootServer.cfg:2: \[server\] processPool: RAM sessions do not work across processes/,
    );
    expect(line).toContain("file, cookie, custom, sqlite, redis, postgres");
  });

  it("rejects ram with --workers given as a flag", () => {
    const [line] = problems("[session]\nstorageType=ram\n", {
      flags: { "server.processPool": { value: "2", flag: "--workers" } },
    });
    expect(line).toMatch(/^flag --workers: \[server\] processPool/);
  });

  it("requires a secret for the cookie store, with siteKey as a fallback", () => {
    expect(problems("[session]\nstorageType=cookie\n")[0]).toContain("the cookie store needs a secret");
    expect(ok(`[server]\nsiteKey=${SECRET}\n[session]\nstorageType=cookie\n`).session.storageType).toBe(
      "cookie",
    );
  });

  it("checks every key of a rotation list", () => {
    expect(ok(`[session]\nstorageType=cookie\nsecret=${SECRET}, ${SECRET}x\n`).session.secret).toContain(",");
    expect(problems(`[session]\nstorageType=cookie\nsecret=${SECRET},short\n`)[0]).toContain(
      "key 2 of 2 is too short",
    );
  });

  it("requires a matching URL for redis and postgres", () => {
    expect(problems("[session]\nstorageType=redis\n")[0]).toContain(
      "storageType: the redis store needs a URL",
    );
    expect(problems("[session]\nstorageType=postgres\nstorageUrl=redis://x\n")[0]).toMatch(
      /:3: \[session\] storageUrl: the postgres store needs a URL/,
    );
    expect(
      ok("[session]\nstorageType=redis\nstorageUrl=rediss://:pw@127.0.0.1:6380/2\n").session.storageUrl,
    ).toBe("rediss://:pw@127.0.0.1:6380/2");
  });

  it("hides a URL password in its error", () => {
    expect(problems("[session]\nstorageType=redis\nstorageUrl=http://u:secretpw@h/\n")[0]).toContain(
      "http://u:***@h/",
    );
  });

  it("requires Secure with SameSite=None", () => {
    expect(problems("[session]\ncookieSameSite=None\n")[0]).toContain(
      "browsers reject SameSite=None without Secure",
    );
    expect(ok("[session]\ncookieSameSite=None\ncookieSecure=auto\n").session.cookieSameSite).toBe("None");
  });

  it("checks the cookie name and path", () => {
    expect(problems("[session]\ncookieName=a;b\n")[0]).toContain("not a valid cookie name");
    expect(problems("[session]\ncookiePath=app\n")[0]).toContain(
      'not a valid cookie path (expected "/" followed by URL path characters',
    );
  });

  it("rejects socketFile with an explicit socketPort but not with the default", () => {
    expect(ok("[server]\nsocketFile=/tmp/c.sock\n").server.socketFile).toBe("/tmp/c.sock");
    expect(problems("[server]\nsocketPort=1\nsocketFile=/tmp/c.sock\n")[0]).toContain(
      "conflicts with socketPort",
    );
  });

  it("accepts trustProxy as IPs, CIDR ranges and loopback, and names each bad entry with its line", () => {
    expect(ok("[server]\ntrustProxy = 10.0.0.0/8, ::1, loopback, 192.168.1.7\n").server.trustProxy).toBe(
      "10.0.0.0/8, ::1, loopback, 192.168.1.7",
    );
    const found = problems("[server]\ntrustProxy = 10.0.0.0/33, proxy.local, 1.2.3.4/8/1\n");
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/:2: \[server\] trustProxy: "10\.0\.0\.0\/33" is not an IP address/);
    expect(found[1]).toContain('"proxy.local" is not an IP address, a CIDR range (10.0.0.0/8) or loopback');
    expect(found[2]).toContain('"1.2.3.4/8/1"');
  });

  it("requires both TLS files", () => {
    expect(problems("[server]\nsslKeyFile=key.pem\n")[0]).toMatch(
      /:2: \[server\] sslKeyFile: HTTPS needs both files \(expected sslCertificateFile too/,
    );
  });
});

describe("[staticContent]", () => {
  it("maps prefixes to folders with or without a leading slash, longest first", () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, "static"));
    const config = ok("[staticContent]\nstatic = static\n/static/css = css\n", { dir });
    expect(config.staticContent.map((m) => [m.prefix, m.dir])).toEqual([
      ["/static/css", path.join(dir, "css")],
      ["/static", path.join(dir, "static")],
    ]);
    expect(config.notes).toEqual([expect.stringContaining("css does not exist yet")]);
  });

  it("rejects traversal in a prefix and an empty folder", () => {
    expect(problems("[staticContent]\n../x = static\ny =\n")).toEqual([
      'RootServer.cfg:2: [staticContent] ../x: expected a URL prefix such as "static" or "/static/css", got "../x"',
      'RootServer.cfg:3: [staticContent] y: expected a folder or file to serve (e.g. "static"), got ""',
    ]);
  });

  it("rejects the same prefix twice", () => {
    expect(problems("[staticContent]\nstatic = a\n/static = b\n")[0]).toContain(
      "prefix /static is already served (line 2)",
    );
  });
});

describe("precedence: defaults < file < env < flags", () => {
  const file = "[server]\nsocketPort=8080\nsocketHost=0.0.0.0\n";

  it("takes the file over the default, with its line", () => {
    const config = ok(file);
    expect(config.server.socketPort).toBe(8080);
    expect(config.sources.get("server.socketPort")).toEqual({
      kind: "file",
      file: "/srv/app/RootServer.cfg",
      line: 2,
    });
  });

  it("takes the environment over the file, in either spelling", () => {
    const config = ok(file, { env: { CHERRY_SERVER_SOCKETPORT: "9000", CHERRY_SESSION_COOKIE_NAME: "sid" } });
    expect(config.server.socketPort).toBe(9000);
    expect(config.session.cookieName).toBe("sid");
    expect(config.sources.get("server.socketPort")).toEqual({
      kind: "env",
      name: "CHERRY_SERVER_SOCKETPORT",
    });
  });

  it("takes flags over the environment", () => {
    const config = ok(file, {
      env: { CHERRY_SERVER_SOCKETPORT: "9000" },
      flags: { "server.socketPort": { value: "9100", flag: "--port" } },
    });
    expect(config.server.socketPort).toBe(9100);
    expect(config.sources.get("server.socketPort")).toEqual({ kind: "flag", name: "--port" });
    expect(config.server.socketHost).toBe("0.0.0.0");
  });

  it("reports bad env and flag values by their name", () => {
    expect(
      problems("", {
        env: { CHERRY_SERVER_SOCKETPORT: "x" },
        flags: { "server.socketHost": undefined, "server.processPool": { value: "0", flag: "--workers" } },
      }),
    ).toEqual([
      'env CHERRY_SERVER_SOCKETPORT: [server] socketPort: expected an integer from 0 to 65535, got "x"',
      'flag --workers: [server] processPool: expected an integer from 1 to 256, got "0"',
    ]);
  });

  it("reports unknown CHERRY_SERVER_/CHERRY_SESSION_ variables and ignores other CHERRY_ ones", () => {
    const result = problems("", { env: { CHERRY_SESSION_TIMOUT: "5", CHERRY_TEST_REQUIRE_SERVICES: "1" } });
    expect(result).toEqual([
      'env CHERRY_SESSION_TIMOUT: [session]: unknown setting CHERRY_SESSION_TIMOUT; did you mean "CHERRY_SESSION_TIMEOUT"?',
    ]);
  });
});

describe("error collection", () => {
  it("reports five different mistakes at once, in line order", () => {
    const text = [
      "[server]",
      "socketPort = eighty",
      "socketHots = 0.0.0.0",
      "[session]",
      "storageType = file",
      "timeout 30",
      "cookieSameSite = sideways",
      "[statics]",
    ].join("\n");
    const lines = problems(text);
    expect(lines.map((l) => l.split(":")[1])).toEqual(["2", "3", "5", "6", "7", "8"]);
    expect(lines.every((l) => l.startsWith("RootServer.cfg:"))).toBe(true);
  });
});

describe("[server] allowedHosts", () => {
  it("accepts names, .suffixes, IP addresses, bracketed IPv6 and *", () => {
    const config = ok("[server]\nallowedHosts = dev.example.test, .preview.test ,10.0.0.5,[fe80::1],*\n");
    expect(config.server.allowedHosts).toBe("dev.example.test, .preview.test ,10.0.0.5,[fe80::1],*");
  });

  it.each(["http://dev.test", "dev.test:8000", "dev.test/app", "dev test", "*.dev.test"])(
    "rejects %s with its line",
    (entry) => {
      expect(problems(`[server]\n\nallowedHosts = ok.test, ${entry}\n`)).toEqual([
        `RootServer.cfg:3: [server] allowedHosts: not a host name (expected comma-separated names such as dev.example.test, .example.test for it and its subdomains, or *; no scheme, port or path), got "${entry}"`,
      ]);
    },
  );
});
