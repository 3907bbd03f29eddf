import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { STORAGE_TYPES } from "../../src/config/schema.js";
import { ROOT } from "../helpers/cli.js";

describe("every built-in store runs the store contract", () => {
  for (const store of STORAGE_TYPES.filter(Boolean)) {
    it(`${store} has test/sessions/stores/${store}.test.ts calling describeStoreContract`, () => {
      const file = path.join(ROOT, "test/sessions/stores", `${store}.test.ts`);
      expect(existsSync(file), `${file} is missing`).toBe(true);
      expect(readFileSync(file, "utf8")).toContain("describeStoreContract(");
    });
  }
});
