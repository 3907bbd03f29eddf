import { existsSync, lstatSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Unlinker } from "../../../src/sessions/stores/_unlinker.js";
import { tempDir } from "../../helpers/tmp.js";

/** n files with an expiry an hour ago; returns their paths and expiries as lstat reports them. */
function expiredFiles(dir: string, n: number): [string, number][] {
  const when = Date.now() / 1000 - 3600;
  return Array.from({ length: n }, (_, i) => {
    const file = path.join(dir, `f${i}`);
    writeFileSync(file, "{}");
    utimesSync(file, when, when);
    return [file, lstatSync(file).mtimeMs];
  });
}

// Up to 1,023 removals stay inline (700 take three slices); 2,500 go through the worker.
describe.each([
  ["inline", 10],
  ["inline, in slices", 700],
  ["on a worker thread", 2500],
])("Unlinker (%s)", (_, n) => {
  it("removes files that still have their expiry and keeps the ones renewed since", async () => {
    const dir = tempDir();
    const files = expiredFiles(dir, n);
    const renewed = files.filter((_, i) => i % 5 === 0).map(([file]) => file);
    const later = Date.now() / 1000 + 3600;
    for (const file of renewed) utimesSync(file, later, later);
    const unlinker = new Unlinker();
    for (const [file, expiresAt] of files) unlinker.add(file, expiresAt);
    expect(await unlinker.finish()).toEqual({ removed: n - renewed.length, renewed: renewed.length });
    expect(
      readdirSync(dir)
        .map((name) => path.join(dir, name))
        .sort(),
    ).toEqual([...renewed].sort());
  });

  it("removes regardless of expiry when given none, and skips files already gone", async () => {
    const dir = tempDir();
    const files = expiredFiles(dir, n);
    const unlinker = new Unlinker();
    for (const [file] of files) unlinker.add(file);
    unlinker.add(path.join(dir, "never-existed"));
    unlinker.add(path.join(dir, "gone-meanwhile"), 0);
    expect(await unlinker.finish()).toEqual({ removed: n, renewed: 0 });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("reports the first real failure after doing all the rest", async () => {
    const dir = tempDir();
    const files = expiredFiles(dir, n);
    const folder = path.join(dir, "a-folder");
    mkdirSync(folder);
    const unlinker = new Unlinker();
    unlinker.add(folder);
    for (const [file, expiresAt] of files) unlinker.add(file, expiresAt);
    await expect(unlinker.finish()).rejects.toMatchObject({ code: "EISDIR", path: folder });
    expect(readdirSync(dir)).toEqual(["a-folder"]);
    expect(existsSync(folder)).toBe(true);
  });
});
