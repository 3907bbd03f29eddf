import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { tempDir } from "../helpers/tmp.js";

/** A logger whose stderr lines are collected; the screen's access lines are off. */
function logger(logFile: string) {
  const lines: string[] = [];
  const stream = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  return { lines, log: createLogger({ logFile, logToScreen: false, stderr: stream, stdout: stream }) };
}
const warnings = (lines: string[]) => lines.filter((l) => l.includes("cannot write logFile"));

describe("a logFile that cannot be written is said once, not ignored", () => {
  it.each([
    ["its folder is missing", (dir: string) => path.join(dir, "missing", "cherry.log"), "ENOENT"],
    [
      "it is a folder",
      (dir: string) => {
        mkdirSync(path.join(dir, "log"));
        return path.join(dir, "log");
      },
      "EISDIR",
    ],
    [
      "its parent is a file",
      (dir: string) => {
        writeFileSync(path.join(dir, "f"), "");
        return path.join(dir, "f", "cherry.log");
      },
      "ENOTDIR",
    ],
  ])("%s: one warning naming the file and the OS code, whatever the number of lines", (_, make, code) => {
    const file = make(tempDir());
    const { lines, log } = logger(file);
    log.info("first");
    log.access("GET / 200", 200);
    log.error("third");
    expect(warnings(lines)).toEqual([expect.stringContaining(`cannot write logFile ${file} (${code})`)]);
    expect(lines.some((l) => l.includes("third"))).toBe(true); // the screen still has every message
  });

  it("says it again after the file could be written and then failed again", () => {
    const dir = tempDir();
    const file = path.join(dir, "logs", "cherry.log");
    const { lines, log } = logger(file);
    log.info("lost");
    mkdirSync(path.join(dir, "logs"));
    log.info("kept");
    expect(readFileSync(file, "utf8")).toContain("kept");
    rmSync(path.join(dir, "logs"), { recursive: true });
    log.info("lost again");
    expect(warnings(lines)).toHaveLength(2);
  });
});
