import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Servers and child processes per test file: two cores, keep it to two files at once.
    maxWorkers: 2,
    // The default reporter counts skipped tests; this one also says why each was skipped.
    reporters: ["default", "./test/helpers/skip-reasons-reporter.ts"],
  },
});
