/**
 * No control sequence from outside reaches the operator's terminal: session keys and values
 * (`sessions ls`, `show`), file names, command arguments quoted in errors, exception messages and
 * request paths in the log all have their C0, C1 and DEL characters written as \uXXXX.
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { escapeControls } from "../../src/_escape.js";
import { createLogger } from "../../src/log.js";
import { newSessionId } from "../../src/sessions/ids.js";
import { FileStore } from "../../src/sessions/stores/file.js";
import { cherry } from "../helpers/cli.js";
import { startCli } from "../helpers/spawn.js";
import { tempDir } from "../helpers/tmp.js";

/** Control characters other than the line feeds that end lines: none may be printed. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never be printed
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const TITLE = "\u001b]0;owned\u0007";
const CSI = "\u009b2J";
const HOSTILE = { [TITLE]: 1, [`k${CSI}`]: "v\u009b31m\u007f\r", plain: `a${TITLE}` };

async function appWithSession(data: Record<string, unknown>) {
  const dir = tempDir({ "RootServer.cfg": "[session]\nstorageType = file\nstorageFileDir = sessions\n" });
  const store = new FileStore(path.join(dir, "sessions"));
  const id = newSessionId();
  await store.set(id, { data, expiresAt: Date.now() + 3_600_000 });
  return { dir, id, store };
}

describe("escapeControls", () => {
  it("escapes every C0, DEL and C1 character and nothing else", () => {
    const all = Array.from({ length: 0xa1 }, (_, i) => String.fromCharCode(i)).join("");
    const escaped = escapeControls(all);
    expect(escaped).not.toMatch(CONTROLS);
    expect(escaped).not.toContain("\n");
    expect(escaped).toContain(" !\"#$%&'()*+,-./0123456789:;<=>?@ABC");
    expect(escaped).toContain("~\\u007f\\u0080");
    expect(escaped.endsWith("\\u009f\u00a0")).toBe(true);
    expect(escapeControls("a\nb", { keepNewlines: true })).toBe("a\nb");
    expect(escapeControls("a\nb")).toBe("a\\u000ab");
  });

  it("escapes the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and not their neighbours", () => {
    const bidi = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
    for (const code of bidi) {
      const c = String.fromCharCode(code);
      expect(escapeControls(`a${c}b`)).toBe(`a\\u${code.toString(16)}b`);
      expect(escapeControls(`a${c}\nb`, { keepNewlines: true })).toBe(`a\\u${code.toString(16)}\nb`);
    }
    expect(escapeControls("\u2029\u2065\u206a\u200f")).toBe("\u2029\u2065\u206a\u200f");
  });

  it("leaves JSON text valid, with the same value", () => {
    const value = { [TITLE]: `x${CSI}\u007f\u0085` };
    const text = escapeControls(JSON.stringify(value));
    expect(text).not.toMatch(CONTROLS);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe("cherry sessions", () => {
  it("ls and show print a key with U+202E (right-to-left override) escaped, so it cannot reorder the line", async () => {
    const { dir, id } = await appWithSession({ "user\u202Enimda": 1, "\u2066x\u2069": "\u202Ev" });
    for (const args of [
      ["sessions", "ls"],
      ["sessions", "show", id],
    ]) {
      const result = await cherry(args, { cwd: dir });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
      expect(result.stdout).toContain("user\\u202enimda");
    }
  });

  it("ls prints hostile keys escaped", async () => {
    const { dir } = await appWithSession(HOSTILE);
    const result = await cherry(["sessions", "ls"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toMatch(CONTROLS);
    expect(result.stdout).toContain("\\u001b]0;owned\\u0007");
    expect(result.stdout).toContain("k\\u009b2J");
  });

  it("show prints hostile keys and values (C1 included) escaped, and --json parses to the same data", async () => {
    const { dir, id } = await appWithSession(HOSTILE);
    const human = await cherry(["sessions", "show", id], { cwd: dir });
    expect(human.exitCode).toBe(0);
    expect(human.stdout).not.toMatch(CONTROLS);
    expect(human.stdout).toContain('"v\\u009b31m\\u007f\\r"');
    expect(human.stdout.split("\n").length).toBeGreaterThan(4);
    const json = await cherry(["sessions", "show", id, "--json"], { cwd: dir });
    expect(json.stdout).not.toMatch(CONTROLS);
    expect(JSON.parse(json.stdout).data).toEqual(HOSTILE);
    expect(json.stdout.split("\n").length).toBeGreaterThan(4);
  });

  it("an id argument and foreign file names are quoted escaped", async () => {
    const { dir } = await appWithSession({ a: 1 });
    writeFileSync(path.join(dir, "sessions", `notes${TITLE}.txt`), "");
    chmodSync(path.join(dir, "sessions"), 0o700);
    const ls = await cherry(["sessions", "ls"], { cwd: dir });
    expect(ls.stderr).toContain("notes\\u001b]0;owned\\u0007.txt");
    expect(ls.stderr).not.toMatch(CONTROLS);
    const show = await cherry(["sessions", "show", `${TITLE}${CSI}`], { cwd: dir });
    expect(show.exitCode).toBe(1);
    expect(show.stderr).toContain("is not a session id");
    expect(show.stderr).not.toMatch(CONTROLS);
  });
});

describe("the log", () => {
  it("escapes messages and access lines, on the screen and in the log file, keeping a stack's lines", () => {
    const file = path.join(tempDir(), "cherry.log");
    let screen = "";
    const stream = { write: (s: string) => (screen += s) } as unknown as NodeJS.WriteStream;
    const log = createLogger({ logFile: file, stderr: stream, stdout: stream });
    log.error(`handler threw: Error: ${TITLE}${CSI}\r\n    at x (/app/src/root.ts:1:1)`);
    log.warn(`\u007fwarned\u0085`);
    log.access(`GET /${TITLE} 404 1ms`, 404);
    const logged = readFileSync(file, "utf8");
    for (const text of [screen, logged]) {
      expect(text).not.toMatch(CONTROLS);
      expect(text).toContain(
        "Error: \\u001b]0;owned\\u0007\\u009b2J\\u000d\n    at x (/app/src/root.ts:1:1)",
      );
      expect(text).toContain("GET /\\u001b]0;owned\\u0007 404");
      expect(text).toContain("\\u007fwarned\\u0085");
    }
  });

  it("cherry serve logs a handler's hostile exception message escaped", async () => {
    const dir = tempDir({
      "RootServer.cfg": "[server]\nsocketPort = 0\nlogToScreen = 0\n",
      "src/root.ts": `export default class Root { index() { throw new Error(${JSON.stringify(`${TITLE}${CSI}`)}); } }`,
    });
    const server = await startCli(["serve", "--no-watch"], dir);
    try {
      expect((await fetch(server.url)).status).toBe(500);
      for (let i = 0; i < 50 && !server.output().includes("threw"); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(server.output()).toContain("\\u001b]0;owned\\u0007\\u009b2J");
      expect(server.output()).not.toMatch(CONTROLS);
    } finally {
      await server.stop();
    }
  });
});

describe("command-line mistakes", () => {
  it("init prints a folder name with ESC ] 0 ; … BEL or U+202E escaped", async () => {
    for (const name of ["x\u001b]0;t\u0007", "y\u202Ez"]) {
      const cwd = tempDir();
      const result = await cherry(["init", name], { cwd });
      expect(result.exitCode, result.stderr).toBe(0);
      for (const out of [result.stdout, result.stderr]) {
        expect(out).not.toMatch(CONTROLS);
        expect(out).not.toMatch(/[\u202a-\u202e]/);
      }
      expect(result.stderr).toContain(name.includes("y") ? "y\\u202ez" : "x\\u001b]0;t\\u0007");
    }
  });

  it("an unknown option or command is quoted escaped", async () => {
    for (const args of [[`--x${TITLE}`], [`ls${CSI}`], ["sessions", `purge${TITLE}`]]) {
      const result = await cherry(args);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain("\\u00");
      expect(result.stderr).not.toMatch(CONTROLS);
    }
  });
});
