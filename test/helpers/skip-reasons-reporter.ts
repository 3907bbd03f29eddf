/**
 * A vitest reporter that lists every skipped test with its reason after the summary: vitest's
 * default reporter only counts skips ("4 skipped"), and the README promises that a test skipped
 * for a missing service says why. The reason is the note of `ctx.skip("…")`, else the last
 * "(skipped: …)" in the test's or a parent's title (test/helpers/services.ts names them so). Tests
 * left out by a `-t` filter are counted, not listed.
 */
import type { Reporter, TestModule } from "vitest/node";

type Vitest = Parameters<NonNullable<Reporter["onInit"]>>[0];

const TITLE_REASON = /\(skipped: ([^)]*(?:\([^)]*\)[^)]*)*)\)/g;

export default class SkipReasonsReporter implements Reporter {
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.filtered = Boolean(vitest.config.testNamePattern);
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    let unselected = 0;
    for (const module of modules) {
      const file = module.relativeModuleId;
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== "skipped" || test.options.mode === "todo") continue;
        const reason = result.note ?? [...test.fullName.matchAll(TITLE_REASON)].at(-1)?.[1];
        if (!reason && this.filtered) {
          unselected++;
          continue;
        }
        const name = test.fullName.replace(TITLE_REASON, "").replace(/\s+>/g, " >").trim();
        lines.push(
          `  ↓ ${file} > ${name}: ${reason ?? 'no reason given (use ctx.skip("why") or a "(skipped: why)" title)'}`,
        );
      }
    }
    if (lines.length > 0)
      process.stdout.write(
        `\nskipped ${lines.length} test${lines.length === 1 ? "" : "s"}, and why:\n${lines.join("\n")}\n`,
      );
    if (unselected > 0) process.stdout.write(`(${unselected} more not selected by -t)\n`);
  }
}
