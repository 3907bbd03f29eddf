// Rewrites the README's config reference from the schema (the test in test/cli/config.test.ts checks it).
import { readFileSync, writeFileSync } from "node:fs";
import { renderConfigReference } from "../dist/config/schema.js";

const file = new URL("../README.md", import.meta.url);
const readme = readFileSync(file, "utf8");
const next = readme.replace(
  /<!-- config-reference:start -->\n[\s\S]*?<!-- config-reference:end -->/,
  `<!-- config-reference:start -->\n${renderConfigReference()}\n<!-- config-reference:end -->`,
);
writeFileSync(file, next);
