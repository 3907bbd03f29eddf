import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderConfigReference, SCHEMA } from "../../src/config/schema.js";
import { cherry, ROOT } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const FIVE_MISTAKES = `[server]
socketPort = 80a
socketHots = 0.0.0.0
[session]
storageType = files
timeout 30
[sesion]
`;

describe("cherry config check", () => {
  it("prints one file:line line per problem and exits 2", async () => {
    const dir = tempDir({ "RootServer.cfg": FIVE_MISTAKES });
    const result = await cherry(["config", "check"], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    const lines = result.stderr.split("\n").filter((l) => l.startsWith("RootServer.cfg:"));
    expect(lines.map((l) => l.split(":")[1])).toEqual(["2", "3", "5", "6", "7"]);
    expect(result.stderr).toContain('did you mean "socketHost"?');
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it("exits 0 on a valid file and names the store", async () => {
    const dir = tempDir({ "app.cfg": "[session]\nstorageType=ram\n" });
    const result = await cherry(["config", "check", "-c", "app.cfg"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("app.cfg: ok (sessions: ram)");
  });

  it("names a missing file in one line and exits 2", async () => {
    const dir = tempDir();
    const result = await cherry(["config", "check", "-c", "missing.cfg"], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe("cherry: config file missing.cfg not found");
  });

  it("prints ignored 0.10 keys as warnings on stderr", async () => {
    const dir = tempDir({ "RootServer.cfg": "[server]\nthreadPool=10\n" });
    const result = await cherry(["config", "check"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("RootServer.cfg:2: [server] threadPool: ignored: Node is event-driven");
  });
});

describe("cherry config show", () => {
  it("lists every key with its default on an empty file, as JSON on stdout alone", async () => {
    const dir = tempDir({ "RootServer.cfg": "" });
    const result = await cherry(["config", "show", "--json"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    const json = JSON.parse(result.stdout);
    for (const spec of SCHEMA) {
      expect(json[spec.section][spec.key].source).toBe("default");
    }
    expect(json.server.socketPort.value).toBe(8000);
    expect(json.session.cookieName.value).toBe("CherryPySession");
  });

  it("names file:line, env and flag sources and hides secrets", async () => {
    const secret = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t";
    const dir = tempDir({ "RootServer.cfg": `[session]\nstorageType=cookie\nsecret=${secret}\n` });
    const result = await cherry(["config", "show"], { cwd: dir, env: { CHERRY_SESSION_TIMEOUT: "5" } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/\[session\] storageType\s+= "cookie"\s+\(RootServer.cfg:2\)/);
    expect(result.stdout).toMatch(/\[session\] timeout\s+= 5\s+\(env CHERRY_SESSION_TIMEOUT\)/);
    expect(result.stdout).not.toContain(secret);
  });
});

describe("cherry config show explains", () => {
  it("every key, with the canonical spelling of a key written in another case", async () => {
    const dir = tempDir({ "RootServer.cfg": "[server]\nSOCKETPORT: 8081\nthreadpool = 4\n" });
    const result = await cherry(["config", "show"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /\[server\] socketPort\s+= 8081\s+\(RootServer.cfg:2, written SOCKETPORT\)\n\s+TCP port; 0 = any free port\n/,
    );
    expect(result.stdout).toMatch(
      /\[server\] threadPool\s+= 4 .*\n\s+CherryPy 0.10 setting \(ignored: Node is event-driven\)/,
    );
    for (const spec of SCHEMA) expect(result.stdout).toContain(spec.doc);
    const json = JSON.parse((await cherry(["config", "show", "--json"], { cwd: dir })).stdout);
    expect(json.server.socketPort).toEqual({
      value: 8081,
      source: "RootServer.cfg:2, written SOCKETPORT",
      doc: "TCP port; 0 = any free port",
    });
  });
});

describe("cli behaviour", () => {
  it("prints --version and --help", async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect((await cherry(["--version"])).stdout).toBe(pkg.version);
    const help = await cherry(["--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("config");
    expect((await cherry(["config", "show", "--help"])).stdout).toContain("--json");
  });

  it("rejects an unknown command with a suggestion on one line, exit 2", async () => {
    const result = await cherry(["confg"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe("error: unknown command 'confg'; did you mean config?");
  });

  it("rejects an unknown flag, exit 2", async () => {
    const result = await cherry(["config", "show", "--jsn"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe("error: unknown option '--jsn'; did you mean --json?");
  });
});

describe("README", () => {
  it("carries the config reference rendered from the schema", () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const block = /<!-- config-reference:start -->\n([\s\S]*?)\n<!-- config-reference:end -->/.exec(readme);
    expect(block?.[1], "run `npm run docs` to refresh README.md").toBe(renderConfigReference());
  });
});
