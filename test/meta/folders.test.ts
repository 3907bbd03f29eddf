import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeFolders } from "../../src/_folders.js";
import { FileStore } from "../../src/sessions/stores/file.js";
import { cherry } from "../helpers/cli.js";

// Node's own recursive mkdir loops forever when a folder's parent exists but refuses it with
// ENOENT, as every folder under /proc does on Linux: each case must fail at once with the OS error.
const linux = process.platform === "linux";

describe("makeFolders (mkdir -p that fails instead of looping)", () => {
  it("makes every missing folder with the mode asked for", () => {
    const root = mkdtempSync(path.join(tmpdir(), "cherry-folders-"));
    makeFolders(path.join(root, "a/b/c"), 0o700);
    for (const dir of ["a", "a/b", "a/b/c"]) expect(statSync(path.join(root, dir)).mode & 0o777).toBe(0o700);
    makeFolders(path.join(root, "a/b/c")); // already there: nothing to do, no error
  });

  it.runIf(linux)("throws ENOENT for folders the kernel will not make (/proc, one level or deeper)", () => {
    for (const dir of ["/proc/cherry-test", "/proc/cherry-test/sessions/deeper"])
      expect(() => makeFolders(dir)).toThrow(expect.objectContaining({ code: "ENOENT" }));
    expect(existsSync("/proc/cherry-test")).toBe(false);
  });

  it("throws ENOTDIR under a file", () => {
    const root = mkdtempSync(path.join(tmpdir(), "cherry-folders-"));
    writeFileSync(path.join(root, "file"), "");
    expect(() => makeFolders(path.join(root, "file/sub"))).toThrow(
      expect.objectContaining({ code: "ENOTDIR" }),
    );
  });

  it.runIf(linux)("a file store under /proc is unavailable at once, naming the folder", () => {
    expect(() => new FileStore("/proc/cherry-test/sessions")).toThrow(
      /cannot create storageFileDir \/proc\/cherry-test\/sessions/,
    );
  });

  it.runIf(linux)(
    "cherry serve and cherry init under /proc fail with a message, not a spinning process",
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "cherry-folders-"));
      writeFileSync(path.join(dir, "root.ts"), "export default class Root { index() { return 'hi'; } }\n");
      const cfg = path.join(dir, "RootServer.cfg");
      writeFileSync(
        cfg,
        `[server]\nsocketPort = 0\nappModule = root.ts\n[session]\nstorageType = file\nstorageFileDir = /proc/cherry-test\n`,
      );
      const served = await cherry(["serve", "--no-watch", "-c", cfg], { timeout: 20_000 });
      expect(served.exitCode).not.toBe(0);
      expect(served.stderr).toMatch(/cannot create storageFileDir \/proc\/cherry-test/);
      const init = await cherry(["init", "/proc/cherry-test-app"], { timeout: 20_000 });
      expect(init.exitCode).not.toBe(0);
      expect(init.stderr).toMatch(/ENOENT|cannot/);
    },
  );
});
