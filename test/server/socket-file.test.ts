import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ServerConfig } from "../../src/config/types.js";
import { isCherryError } from "../../src/errors.js";
import { listen } from "../../src/server/listen.js";
import { COUNTER } from "../helpers/app.js";
import { cherry } from "../helpers/cli.js";
import { runToExit } from "../helpers/spawn.js";
import { tempDir } from "../helpers/tmp.js";

const config = (socketFile: string) =>
  ({ socketFile, socketHost: "127.0.0.1", socketPort: 0 }) as ServerConfig;

/** listen() on `file`: the error it throws, or undefined when it listened (the server is then closed). */
async function listenError(file: string): Promise<unknown> {
  const server = http.createServer();
  try {
    await listen(server, config(file));
  } catch (error) {
    return error;
  }
  await new Promise((r) => server.close(r));
  return undefined;
}

/** A socket left behind by a server that is gone: bound, never listening, so nothing answers. */
async function staleSocket(file: string): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(file, r));
  // Closing a listening Unix server unlinks its path; a crash does not. Simulate the crash by
  // renaming the path away before closing and back after.
  const aside = `${file}.aside`;
  execFileSync("mv", [file, aside]);
  await new Promise((r) => server.close(r));
  execFileSync("mv", [aside, file]);
}

describe("socketFile: only a stale socket is ever replaced", () => {
  it("refuses a regular file, a folder, a symlink and a FIFO, leaving each as it was (exit 2)", async () => {
    const dir = tempDir({ "important.txt": "precious data" });
    mkdirSync(path.join(dir, "folder"));
    symlinkSync(path.join(dir, "important.txt"), path.join(dir, "link"));
    execFileSync("mkfifo", [path.join(dir, "fifo")]);
    const cases = [
      ["important.txt", "a regular file"],
      ["folder", "a folder"],
      ["link", "a symbolic link"],
      ["fifo", "a FIFO"],
    ] as const;
    for (const [name, what] of cases) {
      const file = path.join(dir, name);
      const error = await listenError(file);
      expect(isCherryError(error, "E_CONFIG_INVALID"), name).toBe(true);
      expect((error as Error).message).toContain(`${file} exists and is ${what}`);
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
    expect(readFileSync(path.join(dir, "important.txt"), "utf8")).toBe("precious data");
    expect(lstatSync(path.join(dir, "folder")).isDirectory()).toBe(true);
    expect(lstatSync(path.join(dir, "link")).isSymbolicLink()).toBe(true);
    expect(lstatSync(path.join(dir, "fifo")).isFIFO()).toBe(true);
  });

  it("refuses a symlink even when it points at a stale socket", async () => {
    const dir = tempDir();
    await staleSocket(path.join(dir, "old.sock"));
    symlinkSync(path.join(dir, "old.sock"), path.join(dir, "via-link.sock"));
    const error = await listenError(path.join(dir, "via-link.sock"));
    expect((error as Error).message).toContain("is a symbolic link");
    expect(lstatSync(path.join(dir, "old.sock")).isSocket()).toBe(true);
  });

  it("refuses a socket another server listens on, which keeps serving", async () => {
    const file = path.join(tempDir(), "live.sock");
    const other = net.createServer((c) => c.on("error", () => undefined).end("other")).listen(file);
    await new Promise((r) => other.once("listening", r));
    try {
      const error = await listenError(file);
      expect(isCherryError(error, "E_CONFIG_INVALID")).toBe(true);
      expect((error as Error).message).toContain("another server is listening on");
      const answer = await new Promise<string>((resolve) => {
        let text = "";
        net
          .connect(file)
          .on("data", (d) => (text += d))
          .on("end", () => resolve(text));
      });
      expect(answer).toBe("other");
    } finally {
      await new Promise((r) => other.close(r));
    }
  });

  it("replaces a stale socket left by a server that crashed", async () => {
    const file = path.join(tempDir(), "stale.sock");
    await staleSocket(file);
    expect(lstatSync(file).isSocket()).toBe(true);
    expect(await listenError(file)).toBeUndefined();
  });

  it("config check names the line of a socketFile that is not a socket; serve exits 2 and deletes nothing", async () => {
    const dir = tempDir({
      "important.txt": "precious data",
      "RootServer.cfg": "[server]\nlogToScreen = 0\nsocketFile = important.txt\n",
      "src/root.ts": COUNTER,
    });
    const check = await cherry(["config", "check"], { cwd: dir });
    expect(check.exitCode).toBe(2);
    expect(check.stderr).toMatch(
      /RootServer\.cfg:3: \[server\] socketFile: .*important\.txt exists and is a regular file/,
    );
    const serve = await runToExit(["serve", "--no-watch"], dir);
    expect(serve.code).toBe(2);
    expect(serve.output).toContain("exists and is a regular file");
    expect(existsSync(path.join(dir, "important.txt"))).toBe(true);
    expect(readFileSync(path.join(dir, "important.txt"), "utf8")).toBe("precious data");
    writeFileSync(path.join(dir, "RootServer.cfg"), "[server]\nsocketFile = app.sock\n");
    expect((await cherry(["config", "check"], { cwd: dir })).exitCode).toBe(0);
  });
});
