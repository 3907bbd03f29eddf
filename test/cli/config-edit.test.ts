/**
 * `cherry config set|unset|edit` as a user runs them: the real file, its mode, a symlink to it, a fake
 * editor script for `edit` with the re-edit/discard answers given on stdin or on a pseudo-terminal,
 * and a running server that picks the change up.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApp, type TestApp } from "../helpers/app.js";
import { BIN, cherry } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

/** util-linux `script` runs a command on a pseudo-terminal (Debian and most Linux systems have it). */
const hasScript = spawnSync("script", ["--version"]).status === 0;

const CFG =
  "\uFEFF; my app\r\n[server]\r\nsocketPort = 8080 ; the port\r\n\r\n[session]\r\nstorageType = ram\r\n";

function app(text = CFG, mode = 0o640): { dir: string; file: string } {
  const dir = tempDir({ "RootServer.cfg": text });
  const file = path.join(dir, "RootServer.cfg");
  chmodSync(file, mode);
  return { dir, file };
}

describe("cherry config set and unset", () => {
  it.each([
    ["an interpolation", "server.socketHost", "a%(__name__)s", '"aserver"'],
    ["an interpolation of a [DEFAULT] key", "session.cookiePath", "/%(here)s", "an error"],
  ])("refuses a value that would read back differently: %s", async (_, id, value, got) => {
    const { dir, file } = app();
    const result = await cherry(["config", "set", id, value], { cwd: dir });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(`would read back as ${got}, not the value given`);
    expect(readFileSync(file, "utf8")).toBe(CFG);
  });

  it.each([
    ["server", "appModule", 'src/"quoted".ts'],
    ["session", "cookieName", "a%%b"],
    ["session", "cookieName", "50%"],
  ])("writes %s.%s = %s so that it reads back exactly", async (section, key, value) => {
    const { dir } = app();
    expect((await cherry(["config", "set", `${section}.${key}`, value], { cwd: dir })).exitCode).toBe(0);
    const shown = await cherry(["config", "show", "--json"], { cwd: dir });
    // A path is shown resolved against the config's folder: its end is the value as given.
    expect(JSON.parse(shown.stdout)[section][key].value.endsWith(value)).toBe(true);
  });

  it("changes one line, keeps the BOM, CRLF, comments and the file's mode", async () => {
    const { dir, file } = app();
    const result = await cherry(["config", "set", "server.socketport", "9090"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('RootServer.cfg:3: socketPort = "9090" (changed)');
    expect(readFileSync(file, "utf8")).toBe(CFG.replace("8080", "9090"));
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it("adds a key to its section and a section at the end, then unset gives the file back", async () => {
    const { dir, file } = app();
    expect((await cherry(["config", "set", "session.timeout", "30"], { cwd: dir })).stdout).toContain(
      ":7: timeout",
    );
    expect(
      (await cherry(["config", "set", "staticContent.style.css", "style.css"], { cwd: dir })).exitCode,
    ).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(
      `${CFG}timeout = 30\r\n\r\n[staticContent]\r\nstyle.css = style.css\r\n`,
    );
    await cherry(["config", "unset", "session.timeout"], { cwd: dir });
    await cherry(["config", "unset", "staticContent.style.css"], { cwd: dir });
    expect(readFileSync(file, "utf8")).toBe(`${CFG}\r\n[staticContent]\r\n`);
  });

  it.each([
    [
      "session.storageType",
      "files",
      'RootServer.cfg:6: [session] storageType: expected one of "", ram, file',
    ],
    [
      "session.cookiePath",
      "/; Domain=evil.example",
      "RootServer.cfg:7: [session] cookiePath: not a valid cookie path",
    ],
    [
      "server.socketPort",
      "eighty",
      'RootServer.cfg:3: [server] socketPort: expected an integer from 0 to 65535, got "eighty"',
    ],
    [
      "session.storageFileDir",
      "s",
      "RootServer.cfg:7: [session] storageFileDir: only used by the file store",
    ],
  ])("refuses %s = %s with FILE:LINE, exit 2, the file untouched", async (id, value, problem) => {
    const { dir, file } = app();
    const before = statSync(file);
    const result = await cherry(["config", "set", id, value], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("not changed");
    expect(result.stderr).toContain(problem);
    expect(readFileSync(file, "utf8")).toBe(CFG);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
  });

  it("refuses an unknown key with exit 2", async () => {
    const { dir, file } = app();
    const result = await cherry(["config", "set", "server.sockPort", "1"], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown key [server] sockPort");
    expect(readFileSync(file, "utf8")).toBe(CFG);
  });

  it("edits the target of a symlink and leaves the link a link", async () => {
    const { dir, file } = app();
    symlinkSync(file, path.join(dir, "link.cfg"));
    expect(
      (await cherry(["config", "set", "-c", "link.cfg", "server.socketPort", "1234"], { cwd: dir })).exitCode,
    ).toBe(0);
    expect(lstatSync(path.join(dir, "link.cfg")).isSymbolicLink()).toBe(true);
    expect(readFileSync(file, "utf8")).toContain("socketPort = 1234 ; the port");
  });

  it("reads the value from stdin with -, and prints a secret's length only", async () => {
    const { dir, file } = app();
    const secret = "k".repeat(40);
    const result = await execa("node", [BIN, "config", "set", "session.secret", "-"], {
      cwd: dir,
      input: `${secret}\n`,
      reject: false,
      env: { NO_COLOR: "1" },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("RootServer.cfg:7: secret = (secret: 40 characters) (added)");
    expect(readFileSync(file, "utf8")).toContain(`secret = ${secret}\r\n`);
  });
});

describe("cherry config edit", () => {
  /** An editor script that, on its Nth run, copies `stepN.cfg` over the file it is given. */
  function editor(dir: string, steps: string[]): string {
    for (const [i, text] of steps.entries()) writeFileSync(path.join(dir, `step${i + 1}.cfg`), text);
    const script = path.join(dir, "fake-editor.sh");
    writeFileSync(
      script,
      `#!/bin/sh\nn=$(cat "${dir}/runs" 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > "${dir}/runs"\ncp "${dir}/step$n.cfg" "$1"\n`,
      { mode: 0o755 },
    );
    return script;
  }

  const run = (dir: string, script: string, input: string) =>
    execa("node", [BIN, "config", "edit"], {
      cwd: dir,
      input,
      reject: false,
      env: { NO_COLOR: "1", VISUAL: "", EDITOR: script },
    });

  it("saves a valid edit, changing only the edited line, mode kept", async () => {
    const { dir, file } = app();
    const script = editor(dir, [
      CFG.replace("storageType = ram", "storageType = file\r\nstorageFileDir = s"),
    ]);
    const result = await run(dir, script, "");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("RootServer.cfg: saved");
    expect(readFileSync(file, "utf8")).toBe(
      CFG.replace("storageType = ram", "storageType = file\r\nstorageFileDir = s"),
    );
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it("shows the problems, discards on 'd' and leaves the file untouched", async () => {
    const { dir, file } = app();
    const script = editor(dir, [CFG.replace("8080", "eighty")]);
    const result = await run(dir, script, "d\n");
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'RootServer.cfg:3: [server] socketPort: expected an integer from 0 to 65535, got "eighty"',
    );
    expect(result.stderr).toContain("(e)dit again or (d)iscard?");
    expect(result.stderr).toContain("changes discarded");
    expect(readFileSync(file, "utf8")).toBe(CFG);
  });

  it("re-opens the editor on 'e' and saves once the copy is valid", async () => {
    const { dir, file } = app();
    const script = editor(dir, [CFG.replace("8080", "eighty"), CFG.replace("8080", "8181")]);
    const result = await run(dir, script, "e\n");
    expect(result.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, "runs"), "utf8").trim()).toBe("2");
    expect(readFileSync(file, "utf8")).toBe(CFG.replace("8080", "8181"));
  });

  it.each([
    ["y", "y\n"],
    ["Enter", "\n"],
    ["a typo", "x\n"],
    ["a word", "yes please\n"],
  ])("asks again on %s instead of discarding the edit", async (_, answer) => {
    const { dir, file } = app();
    const script = editor(dir, [CFG.replace("8080", "eighty"), CFG.replace("8080", "8383")]);
    const result = await run(dir, script, `${answer}e\n`);
    expect(result.stderr).toContain("please answer e (edit again) or d (discard your changes)");
    expect(result.stderr).not.toContain("changes discarded");
    expect(result.exitCode).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(CFG.replace("8080", "8383"));
  });

  it("discards when stdin ends after an answer that is neither e nor d", async () => {
    const { dir, file } = app();
    const result = await run(dir, editor(dir, [CFG.replace("8080", "eighty")]), "y\n");
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("changes discarded");
    expect(readFileSync(file, "utf8")).toBe(CFG);
  });

  it("discards when stdin ends without an answer", async () => {
    const { dir, file } = app();
    const result = await run(dir, editor(dir, [`${CFG}[sesion]\r\n`]), "");
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('did you mean "session"?');
    expect(readFileSync(file, "utf8")).toBe(CFG);
  });

  it.skipIf(!hasScript)("asks on a terminal too (a pseudo-terminal made by util-linux script)", async () => {
    const { dir, file } = app();
    const script = editor(dir, [CFG.replace("8080", "eighty"), CFG.replace("8080", "8282")]);
    const result = await execa("script", ["-qec", `node ${BIN} config edit`, "/dev/null"], {
      cwd: dir,
      input: "e\n",
      reject: false,
      env: { NO_COLOR: "1", VISUAL: "", EDITOR: script },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("(e)dit again or (d)iscard?");
    expect(result.stdout).toContain("RootServer.cfg: saved");
    expect(readFileSync(file, "utf8")).toBe(CFG.replace("8080", "8282"));
  });

  it("leaves the file alone when nothing changed", async () => {
    const { dir, file } = app();
    const before = statSync(file).mtimeMs;
    const result = await run(dir, editor(dir, [CFG]), "");
    expect(result.stdout).toBe("RootServer.cfg: no changes");
    expect(statSync(file).mtimeMs).toBe(before);
  });
});

describe("a running cherry serve picks up config set", () => {
  let served: TestApp;
  beforeAll(async () => {
    served = await serveApp(
      {
        "RootServer.cfg": "[session]\nstorageType = ram\n",
        "src/root.ts": "export default { index: (r: any) => { r.sessionMap.set('a', 1); return 'ok'; } };\n",
      },
      { watch: true },
    );
  });
  afterAll(() => served.close());

  it("uses the new cookie name after the edit", async () => {
    expect((await fetch(served.url)).headers.get("set-cookie")).toMatch(/^CherryPySession=/);
    expect((await cherry(["config", "set", "session.cookieName", "sid"], { cwd: served.dir })).exitCode).toBe(
      0,
    );
    await expect
      .poll(async () => (await fetch(served.url)).headers.get("set-cookie"), {
        timeout: 10_000,
        interval: 100,
      })
      .toMatch(/^sid=/);
  });
});

describe("config set keeps the spacing before an inline comment", () => {
  it.each([["8000   ; port"], ["8000\t; port"], ["8000 ; port"]])("%s", async (line) => {
    const dir = tempDir({ "RootServer.cfg": `[server]\nsocketPort = ${line}\n` });
    expect((await cherry(["config", "set", "server.socketPort", "9001"], { cwd: dir })).exitCode).toBe(0);
    expect(readFileSync(path.join(dir, "RootServer.cfg"), "utf8")).toBe(
      `[server]\nsocketPort = ${line.replace("8000", "9001")}\n`,
    );
  });
});
