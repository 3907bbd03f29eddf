import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseIni } from "../../src/config/parse.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { SCHEMA } from "../../src/config/schema.js";
import type { FlagValues } from "../../src/config/types.js";
import { tempDir } from "../helpers/tmp.js";

const SECRET = "0123456789abcdef0123456789abcdef";

function resolve(text: string, options: { env?: NodeJS.ProcessEnv; flags?: FlagValues; dir?: string } = {}) {
  const dir = options.dir ?? "/srv/app";
  return resolveConfig(parseIni(text), {
    file: path.join(dir, "RootServer.cfg"),
    displayName: "RootServer.cfg",
    env: options.env ?? {},
    flags: options.flags,
  });
}

function ok(text: string, options?: Parameters<typeof resolve>[1]) {
  const result = resolve(text, options);
  expect(result.problems).toEqual([]);
  if (!result.config) throw new Error("no config");
  return result.config;
}

function problems(text: string, options?: Parameters<typeof resolve>[1]) {
  const result = resolve(text, options);
  expect(result.config).toBeUndefined();
  return result.problems;
}

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
    "server.siteKey": "",
    "server.threadPool": 0,
    "server.threading": false,
    "server.forking": false,
    "server.reverseDNS": false,
    "server.socketQueueSize": 5,
    "server.protocolVersion": "HTTP/1.0",
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

  it("reads minutes with decimals", () => {
    const config = ok("[session]\ntimeout=0.5\ncleanUpDelay=0\n");
    expect(config.session.timeout).toBe(0.5);
    expect(config.session.cleanUpDelay).toBe(0);
  });

  it("rejects a zero or negative timeout", () => {
    expect(problems("[session]\ntimeout=0\n")[0]).toContain("timeout: expected a number >= 0.001");
    expect(problems("[session]\ncleanUpDelay=-5\n")[0]).toContain("cleanUpDelay: expected a number >= 0");
  });

  it("matches enums case-insensitively and stores the canonical spelling", () => {
    const config = ok("[session]\ncookieSameSite=strict\nlocking=NONE\ncookieSecure=1\n");
    expect(config.session.cookieSameSite).toBe("Strict");
    expect(config.session.locking).toBe("none");
    expect(config.session.cookieSecure).toBe("true");
  });

  it("lists the allowed values of a bad enum", () => {
    expect(problems("[session]\nstorageType=memory\n")[0]).toBe(
      'RootServer.cfg:2: [session] storageType: expected one of "", ram, file, cookie, custom, sqlite, redis, postgres, got "memory"',
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

describe("unknown names", () => {
  it("suggests the nearest key", () => {
    expect(problems("[session]\nstorageTyp=ram\n")).toEqual([
      'RootServer.cfg:2: [session] storageTyp: unknown key; did you mean "storageType"?',
    ]);
  });

  it("suggests the nearest section", () => {
    expect(problems("[sesion]\n")[0]).toContain(
      'unknown section (expected one of [server], [session], [staticContent]); did you mean "session"?',
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
    expect(problems("[session]\ncookiePath=app\n")[0]).toContain('expected a path starting with "/"');
  });

  it("rejects socketFile with an explicit socketPort but not with the default", () => {
    expect(ok("[server]\nsocketFile=/tmp/c.sock\n").server.socketFile).toBe("/tmp/c.sock");
    expect(problems("[server]\nsocketPort=1\nsocketFile=/tmp/c.sock\n")[0]).toContain(
      "conflicts with socketPort",
    );
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
      'RootServer.cfg:3: [staticContent] y: expected a folder to serve (e.g. "static"), got ""',
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
      "timeout: 30",
      "cookieSameSite = sideways",
      "[statics]",
    ].join("\n");
    const lines = problems(text);
    expect(lines.map((l) => l.split(":")[1])).toEqual(["2", "3", "5", "6", "7", "8"]);
    expect(lines.every((l) => l.startsWith("RootServer.cfg:"))).toBe(true);
  });
});
