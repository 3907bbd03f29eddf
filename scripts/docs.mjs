// Rewrites the README's generated tables: the config reference from the schema (checked by
// test/cli/config.test.ts) and the error codes from the catalogue in src/errors.ts (test/errors.test.ts).
import { readFileSync, writeFileSync } from "node:fs";
import { renderConfigReference } from "../dist/config/schema.js";
import { renderErrorCodes } from "../dist/errors.js";

const file = new URL("../README.md", import.meta.url);
let readme = readFileSync(file, "utf8");
for (const [name, table] of [
  ["config-reference", renderConfigReference()],
  ["error-codes", renderErrorCodes()],
]) {
  const block = new RegExp(`<!-- ${name}:start -->\\n[\\s\\S]*?<!-- ${name}:end -->`);
  if (!block.test(readme))
    throw new Error(`README.md has no <!-- ${name}:start --> … <!-- ${name}:end --> block`);
  readme = readme.replace(block, () => `<!-- ${name}:start -->\n${table}\n<!-- ${name}:end -->`);
}
writeFileSync(file, readme);
