import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

/** Runs vitest on test/fixtures/skip-reasons with the reporter `npm test` and .ci/run use. */
async function runFixture(...extra: string[]) {
  const result = await execa(
    path.join(ROOT, "node_modules/.bin/vitest"),
    [
      "run",
      "--config",
      "test/fixtures/skip-reasons/vitest.config.ts",
      "--reporter=default",
      "--reporter=./test/helpers/skip-reasons-reporter.ts",
      ...extra,
    ],
    { cwd: ROOT, reject: false, env: { NO_COLOR: "1", CI: "1" }, timeout: 60_000 },
  );
  return String(result.stdout);
}

describe("the test run says why each skipped test skipped", () => {
  it("lists every skip with the reason from its title, a parent's title or ctx.skip()", async () => {
    const out = await runFixture();
    const listed = out.slice(out.indexOf("skipped 4 tests, and why:"));
    const file = "test/fixtures/skip-reasons/sample.fixture.ts";
    expect(listed).toContain(`↓ ${file} > a service > needs it: redis-server is not installed`);
    expect(listed).toContain(`↓ ${file} > a store > keeps no record: the cookie store lives in the browser`);
    expect(listed).toContain(
      `↓ ${file} > a store > checks at run time: the npm registry is unreachable (ENOTFOUND)`,
    );
    expect(listed).toContain(`↓ ${file} > a store > has no reason: no reason given`);
    expect(listed).not.toContain("runs");
  });

  it("counts the tests a -t filter left out instead of listing them as reasonless", async () => {
    const out = await runFixture("-t", "runs");
    expect(out).toContain("skipped 2 tests, and why:");
    expect(out).toContain("(2 more not selected by -t)");
    expect(out).not.toContain("no reason given");
  });

  it("is the reporter of the suite's config and of .ci/run", async () => {
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(path.join(ROOT, "vitest.config.ts"), "utf8")).toContain(
      "./test/helpers/skip-reasons-reporter.ts",
    );
    expect(readFileSync(path.join(ROOT, ".ci/run"), "utf8")).toContain(
      "--reporter=./test/helpers/skip-reasons-reporter.ts",
    );
  });
});
