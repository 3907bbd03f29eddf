/**
 * The error catalogue (src/errors.ts) is complete, is what the README shows, and is what commands
 * exit with and requests are answered with.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CATALOGUE, type ErrorCode, renderErrorCodes } from "../src/errors.js";
import { serveApp } from "./helpers/app.js";
import { cherry, ROOT } from "./helpers/cli.js";
import { runToExit } from "./helpers/spawn.js";
import { tempDir } from "./helpers/tmp.js";

const CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

function sources(dir = path.join(ROOT, "src")): Array<{ file: string; text: string }> {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => {
      const file = path.join(e.parentPath, e.name);
      return { file: path.relative(ROOT, file), text: readFileSync(file, "utf8") };
    });
}

describe("the catalogue", () => {
  const files = sources().filter((s) => s.file !== path.join("src", "errors.ts"));

  it("is the README's Error codes table (`npm run docs` refreshes it)", () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const block = /<!-- error-codes:start -->\n([\s\S]*?)\n<!-- error-codes:end -->/.exec(readme);
    expect(block?.[1], "run `npm run docs` to refresh README.md").toBe(renderErrorCodes());
  });

  it("names every code src/ uses, and every code it names is thrown somewhere", () => {
    const named = new Set(files.flatMap((s) => [...s.text.matchAll(/"(E_[A-Z_]+)"/g)].map((m) => m[1])));
    expect([...named].filter((code) => !(code in ERROR_CATALOGUE))).toEqual([]);
    const thrown = new Set(
      files.flatMap((s) => [...s.text.matchAll(/new CherryError\(\s*"(E_[A-Z_]+)"/g)].map((m) => m[1])),
    );
    expect(CODES.filter((code) => !thrown.has(code))).toEqual([]);
  });

  it("is the only error shape: no other Error class, no ad-hoc flags on errors", () => {
    const adHoc = files.flatMap((s) =>
      [
        ...s.text.matchAll(
          /class \w+ extends Error\b|\breported\??: (?:true|boolean)|Object\.assign\(new Error/g,
        ),
      ].map((m) => `${s.file}: ${m[0]}`),
    );
    // The unlinker's worker thread sends back an OS error, rebuilt with Node's own shape (code, path).
    expect(adHoc).toEqual(["src/sessions/stores/_unlinker.ts: Object.assign(new Error"]);
  });

  it("gives each code an exit code, an HTTP status or both, and a meaning", () => {
    for (const code of CODES) {
      const entry = ERROR_CATALOGUE[code];
      expect(entry.exit !== null || entry.http !== null, code).toBe(true);
      expect(entry.meaning.length, code).toBeGreaterThan(20);
    }
  });
});

describe("commands exit as the catalogue says", () => {
  const app = (cfg: string, root = 'export default class { index() { return "ok"; } }\n') =>
    tempDir({ "RootServer.cfg": `[server]\nsocketPort = 0\n${cfg}`, "src/root.ts": root });

  it("E_CONFIG_INVALID, E_CONFIG_NOT_FOUND, E_TEMPLATE, E_SESSION_NOT_FOUND, E_STORE_UNSUPPORTED", async () => {
    const bad = app("[session]\nstorageType = files\n");
    const files = app("[session]\nstorageType = file\nstorageFileDir = sessions\n");
    const ram = app("[session]\nstorageType = ram\n");
    const runs: Array<[ErrorCode, string[], string, string]> = [
      ["E_CONFIG_INVALID", ["config", "check"], bad, "storageType: expected one of"],
      ["E_CONFIG_NOT_FOUND", ["config", "check", "-c", "missing.cfg"], bad, "missing.cfg not found"],
      ["E_TEMPLATE", ["init", "x", "-t", "nope"], tempDir(), 'unknown template "nope"'],
      ["E_SESSION_NOT_FOUND", ["sessions", "show", "a".repeat(40)], files, "no session"],
      ["E_STORE_UNSUPPORTED", ["sessions", "ls"], ram, "nothing outside it can list"],
    ];
    for (const [code, args, cwd, says] of runs) {
      const result = await cherry(args, { cwd });
      expect(result.stderr, code).toContain(says);
      expect(result.exitCode, code).toBe(ERROR_CATALOGUE[code].exit);
    }
  });

  it("E_APP_BUILD: `serve --no-watch` of an app that does not build says so once it printed the error", async () => {
    const result = await runToExit(
      ["serve", "--no-watch"],
      app("", "export default class { x() { 1 +; } }\n"),
    );
    expect(result.output).toContain("src/root.ts:1:");
    expect(result.output).toContain("cherry: the app does not build");
    expect(result.code).toBe(ERROR_CATALOGUE.E_APP_BUILD.exit);
  });

  it("E_CONFIG_INVALID in a worker: `--workers 2` exits 2 like one process, not 1", async () => {
    // A folder passes `config check` but no worker can read it as a TLS file.
    const dir = app("sslKeyFile = tls\nsslCertificateFile = tls\n");
    mkdirSync(path.join(dir, "tls"));
    const one = await runToExit(["serve", "--no-watch"], dir);
    const two = await runToExit(["serve", "--workers", "2"], dir);
    expect(one.output).toContain("cannot read the TLS files");
    expect(two.output).toContain("cannot read the TLS files");
    const exit = ERROR_CATALOGUE.E_CONFIG_INVALID.exit;
    expect([one.code, two.code]).toEqual([exit, exit]);
  });
});

describe("requests are answered as the catalogue says", () => {
  const HANDLERS = `export default class Root {
  map() { return new Map(); }
  counter(request) { request.sessionMap.set("n", 1); return "ok"; }
  big(request) { request.sessionMap.set("big", "x".repeat(5000)); return "ok"; }
  form(request) { return "ok"; }
}
export function saveSessionData() { throw new Error("disk on fire"); }
export function loadSessionData() { throw new Error("disk on fire"); }
export function cleanUpOldSessions() {}
`;

  it("E_UNSENDABLE, E_SESSIONS_DISABLED, E_REQUEST_MALFORMED, E_REQUEST_TOO_LARGE", async () => {
    const app = await serveApp({ "src/root.ts": HANDLERS });
    try {
      const status = async (code: ErrorCode, url: string, init?: RequestInit) => {
        const res = await fetch(`${app.url}${url}`, init);
        await res.text();
        expect(res.status, code).toBe(ERROR_CATALOGUE[code].http);
      };
      await status("E_UNSENDABLE", "/map");
      await status("E_SESSIONS_DISABLED", "/counter");
      const json = { "content-type": "application/json" };
      await status("E_REQUEST_MALFORMED", "/form", { method: "POST", headers: json, body: "{" });
      const fields = Array.from({ length: 1001 }, (_, i) => `f${i}=1`).join("&");
      await status("E_REQUEST_TOO_LARGE", `/form?${fields}`);
      expect(app.logger.lines.join("\n")).toContain("which cherry cannot send");
      expect(app.logger.lines.join("\n")).toContain("sessions are not enabled");
    } finally {
      await app.close();
    }
  });

  it("E_CUSTOM_STORE, E_SESSION_TOO_LARGE, E_STORE_UNAVAILABLE", async () => {
    const custom = await serveApp({
      "src/root.ts": HANDLERS,
      "RootServer.cfg": "[session]\nstorageType = custom\n",
    });
    const cookie = await serveApp({
      "src/root.ts": HANDLERS,
      "RootServer.cfg": `[session]\nstorageType = cookie\nsecret = ${"s".repeat(32)}\n`,
    });
    const file = await serveApp({
      "src/root.ts": HANDLERS,
      "RootServer.cfg": "[session]\nstorageType = file\nstorageFileDir = sessions\n",
    });
    try {
      const res = await fetch(`${custom.url}/counter`);
      expect(res.status).toBe(ERROR_CATALOGUE.E_CUSTOM_STORE.http);
      expect(custom.logger.lines.join("\n")).toContain("[store:custom] /counter: Error: disk on fire");
      const big = await fetch(`${cookie.url}/big`);
      expect(big.status).toBe(ERROR_CATALOGUE.E_SESSION_TOO_LARGE.http);
      // The session folder becomes a file: no session can be written.
      rmSync(path.join(file.dir, "sessions"), { recursive: true, force: true });
      writeFileSync(path.join(file.dir, "sessions"), "");
      const down = await fetch(`${file.url}/counter`);
      expect(down.status).toBe(ERROR_CATALOGUE.E_STORE_UNAVAILABLE.http);
      expect(down.headers.get("retry-after")).toBe("1");
    } finally {
      await Promise.all([custom.close(), cookie.close(), file.close()]);
    }
  });
});
