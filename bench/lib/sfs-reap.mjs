// session-file-store's own reap over a folder: argv[2] = folder.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const helpers = require("session-file-store/lib/session-file-helpers.js");
const options = helpers.defaults({ path: process.argv[2], logFn: () => {}, reapInterval: -1 });
await new Promise((resolve) => helpers.reap(options, resolve));
