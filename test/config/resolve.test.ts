import { describe, expect, it } from "vitest";
import { SCHEMA } from "../../src/config/schema.js";
import { ok, problems } from "./_resolve.js";

describe("defaults", () => {
  const config = ok("");
  const expected: Record<string, unknown> = {
    "server.socketHost": "127.0.0.1",
    "server.socketPort": 8000,
    "server.socketFile": "",
    "server.appModule": "/srv/app/src/root.ts",
    "server.processPool": 1,
    "server.logToScreen": true,
    "server.logFile": "",
    "server.sslKeyFile": "",
    "server.sslCertificateFile": "",
    "server.sslClientCertificateVerification": false,
    "server.sslCACertificateFile": "",
    "server.sslVerifyDepth": 1,
    "server.typeOfRequests": "web",
    "server.siteKey": "",
    "server.allowedHosts": "",
    "server.staticWellKnown": false,
    "server.maxRequestBodySize": 10485760,
    "server.maxFileUploads": 20,
    "server.maxFileSize": 0,
    "server.maxFormFields": 1000,
    "server.threadPool": 0,
    "server.threading": false,
    "server.forking": false,
    "server.reverseDNS": false,
    "server.socketQueueSize": 5,
    "server.protocolVersion": "HTTP/1.0",
    "server.trustProxy": "",
    "session.storageType": "",
    "session.timeout": 60,
    "session.cleanUpDelay": 60,
    "session.cookieName": "CherryPySession",
    "session.storageFileDir": "",
    "session.storageFile": "/srv/app/sessions.db",
    "session.storageUrl": "",
    "session.storageModule": "",
    "session.secret": "",
    "session.locking": "implicit",
    "session.cookieSecure": "false",
    "session.cookieSameSite": "Lax",
    "session.cookieHttpOnly": true,
    "session.cookiePersistent": false,
    "session.cookiePath": "/",
    "session.cookieDomain": "",
    "session.ramMaxSessions": 50_000,
    "session.ramMaxBytes": 32 * 1024 * 1024,
    "cache.flushCacheDelay": 0,
  };

  it("covers every key of the schema", () => {
    expect(Object.keys(expected).sort()).toEqual(SCHEMA.map((s) => `${s.section}.${s.key}`).sort());
  });

  for (const [id, value] of Object.entries(expected)) {
    it(`${id} defaults to ${JSON.stringify(value)} from "default"`, () => {
      const [section, key] = id.split(".") as ["server" | "session", string];
      expect((config[section] as unknown as Record<string, unknown>)[key]).toEqual(value);
      expect(config.sources.get(id)).toEqual({ kind: "default" });
    });
  }

  it("is frozen", () => {
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(() => {
      (config.server as { socketPort: number }).socketPort = 1;
    }).toThrow();
  });
});

describe("coercion", () => {
  it.each([
    ["1", true],
    ["0", false],
    ["true", true],
    ["False", false],
    ["yes", true],
    ["off", false],
  ])("booleans accept %s", (raw, value) => {
    expect(ok(`[server]\nlogToScreen=${raw}\n`).server.logToScreen).toBe(value);
  });

  it("rejects a bad boolean with what was expected", () => {
    expect(problems("[server]\nlogToScreen=maybe\n")).toEqual([
      'RootServer.cfg:2: [server] logToScreen: expected 1 or 0 (true/false, yes/no, on/off), got "maybe"',
    ]);
  });

  it("reads integers and rejects decimals and ranges", () => {
    expect(ok("[server]\nsocketPort=0\n").server.socketPort).toBe(0);
    expect(problems("[server]\nsocketPort=80.5\n")[0]).toContain(
      'expected an integer from 0 to 65535, got "80.5"',
    );
    expect(problems("[server]\nsocketPort=70000\n")[0]).toContain('got "70000"');
    expect(problems("[server]\nprocessPool=0\n")[0]).toContain(
      "processPool: expected an integer from 1 to 256",
    );
  });

  it.each([
    ["server", "maxFormFields", 10_000],
    ["server", "maxFileUploads", 1000],
    ["server", "maxRequestBodySize", 1024 ** 3],
    ["server", "maxFileSize", 1024 ** 3],
    ["session", "ramMaxSessions", 10_000_000],
    ["session", "ramMaxBytes", 64 * 1024 ** 3],
  ])(
    "bounds [%s] %s from above: the maximum passes, one more and 99999999999999999999 are errors",
    (section, key, max) => {
      const config = ok(`[${section}]\n${key}=${max}\n`) as unknown as Record<string, Record<string, number>>;
      expect(config[section][key]).toBe(max);
      for (const value of [String(max + 1), "99999999999999999999"]) {
        const [problem] = problems(`[${section}]\n${key}=${value}\n`);
        expect(problem).toContain(`${key}: expected an integer from`);
        expect(problem).toContain(`to ${max}, got "${value}"`);
      }
    },
  );

  it("refuses an integer past 2^53 even where the key has no maximum", () => {
    expect(problems("[server]\nthreadPool=99999999999999999999\n")[0]).toContain(
      'threadPool: expected an integer >= 0, got "99999999999999999999"',
    );
  });

  it.each(["127.0.0.1", "::1", "[::1]", "[::]", "0", "localhost", "my-box.example.test.", ""])(
    "accepts socketHost %j (an address, bracketed IPv6, or a host name)",
    (host) => {
      expect(ok(`[server]\nsocketHost = ${host}\n`).server.socketHost).toBe(host);
    },
  );

  it.each(["local\u001b]0;t\u0007host", "a b", "[::1", "host/name", "-bad-", "exa_mple..com", "1.2.3.4:80"])(
    "refuses socketHost %j as a config error with its line",
    (host) => {
      const [problem] = problems(`[server]\nsocketHost = ${host}\n`);
      expect(problem).toContain("RootServer.cfg:2: [server] socketHost: not an interface to bind");
      expect(problem).not.toContain("\u001b");
    },
  );

  it("reads minutes with decimals", () => {
    const config = ok("[session]\ntimeout=0.5\ncleanUpDelay=0\n");
    expect(config.session.timeout).toBe(0.5);
    expect(config.session.cleanUpDelay).toBe(0);
  });

  it("rejects a zero or negative timeout, and durations over 100 years", () => {
    expect(problems("[session]\ntimeout=0\n")[0]).toContain(
      "timeout: expected a number from 0.001 to 52560000",
    );
    expect(problems("[session]\ncleanUpDelay=-5\n")[0]).toContain(
      "cleanUpDelay: expected a number from 0 to 52560000",
    );
    expect(problems("[session]\ntimeout=52560001\n")[0]).toContain('got "52560001"');
  });

  it("converts the session durations to ms once", () => {
    const config = ok("[session]\ntimeout=1.5\ncleanUpDelay=43200\n");
    expect(config.session.timeoutMs).toBe(90_000);
    expect(config.session.cleanUpDelayMs).toBe(43200 * 60_000);
  });

  it("matches enums case-insensitively and stores the canonical spelling", () => {
    const config = ok("[session]\ncookieSameSite=strict\nlocking=NONE\ncookieSecure=1\n");
    expect(config.session.cookieSameSite).toBe("Strict");
    expect(config.session.locking).toBe("none");
    expect(config.session.cookieSecure).toBe("true");
  });

  it("lists the allowed values of a bad enum", () => {
    expect(problems("[session]\nstorageType=memory\n")[0]).toBe(
      'RootServer.cfg:2: [session] storageType: expected one of "", ram, file, cookie, custom, sqlite, redis, postgres, mysql, got "memory"',
    );
  });

  it("resolves relative paths against the config folder, keeps absolute ones", () => {
    const config = ok(
      "[server]\nappModule=app/main.ts\nlogFile=/var/log/c.log\n[session]\nstorageType=file\nstorageFileDir=../data\n",
    );
    expect(config.server.appModule).toBe("/srv/app/app/main.ts");
    expect(config.server.logFile).toBe("/var/log/c.log");
    expect(config.session.storageFileDir).toBe("/srv/data");
  });

  it("never echoes a secret in an error", () => {
    const [line] = problems("[session]\nsecret=hunter2\n");
    expect(line).not.toContain("hunter2");
    expect(line).toContain("got 7");
  });
});
