// Request parsing on hostile 1 MiB bodies (issue 14): from an in-memory request stream to the
// handler's params, cherry (readBody + parseParams) against express 5's body-parser (urlencoded
// with extended false and true, json), with Node's querystring.parse (maxKeys 1000) or JSON.parse
// and URLSearchParams (parse only, on the decoded string, no limits) as baselines. Each figure is
// the median of `trials` runs, the contenders alternating.
import { createRequire } from "node:module";
import querystring from "node:querystring";
import { Readable } from "node:stream";
import { ROOT } from "./servers.mjs";

const require = createRequire(import.meta.url);
const MiB = 1 << 20;
const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";

const fill = (unit, bytes = MiB) => unit.repeat(Math.floor(bytes / unit.length));
const SHAPES = [
  [
    "1000 fields of 1 KiB",
    FORM,
    Array.from({ length: 1000 }, (_, i) => `f${i}=${"x".repeat(1040)}`).join("&"),
  ],
  [
    "one repeated key, 1000 times",
    FORM,
    Array.from({ length: 1000 }, () => `a=${"x".repeat(1044)}`).join("&"),
  ],
  ["a&a&a… (the issue's body)", FORM, fill("a&")],
  ["one field of 1 MiB", FORM, `a=${fill("x", MiB - 2)}`],
  ["one field of 1 MiB of +", FORM, `a=${fill("+", MiB - 2)}`],
  ["one field of %C3%A9 (é)", FORM, `a=${fill("%C3%A9", MiB - 2)}`],
  ["1 MiB of &", FORM, fill("&")],
  ["JSON: one 1 MiB string", JSON_TYPE, `{"a":"${fill("x", MiB - 8)}"}`],
  [
    "JSON: 150,000 numbers in an array",
    JSON_TYPE,
    `{"a":[${Array.from({ length: 150_000 }, (_, i) => i % 100).join(",")}]}`,
  ],
  [
    "JSON: 10,000 keys (cherry's limit)",
    JSON_TYPE,
    `{${Array.from({ length: 10_000 }, (_, i) => `"k${i}":"${"x".repeat(90)}"`).join(",")}}`,
  ],
  ["JSON: 65,000 keys", JSON_TYPE, `{${Array.from({ length: 65_000 }, (_, i) => `"k${i}":${i}`).join(",")}}`],
  ["JSON: nested 500,000 deep", JSON_TYPE, `{"a":${"[".repeat(MiB / 2 - 4)}${"]".repeat(MiB / 2 - 4)}}`],
  ["JSON: a string of \\u escapes", JSON_TYPE, `{"a":"${fill("\\u00e9", MiB - 8)}"}`],
];

function request(buffer, type) {
  const req = Readable.from([buffer], { objectMode: false });
  req.headers = { "content-type": type, "content-length": String(buffer.length) };
  req.method = "POST";
  req.url = "/";
  return req;
}

/** Runs one contender on one body: {ms, outcome} where outcome is "ok" or the status refused with. */
async function once(fn, buffer, type) {
  const t0 = performance.now();
  let outcome = "ok";
  try {
    await fn(buffer, type);
  } catch (error) {
    outcome = String(error.status ?? error.statusCode ?? error.name);
  }
  return { ms: performance.now() - t0, outcome };
}

function middleware(mw) {
  return (buffer, type) =>
    new Promise((resolve, reject) => mw(request(buffer, type), {}, (e) => (e ? reject(e) : resolve())));
}

export async function parseScenario({ trials, log }) {
  const { parseParams, readBody } = await import(`${ROOT}/dist/server/_body.js`);
  const bodyParser = require(require.resolve("body-parser", { paths: [require.resolve("express")] }));
  const limit = { limit: MiB + 1024 };
  const contenders = {
    cherry: async (buffer, type) => parseParams("", await readBody(request(buffer, type), MiB), type),
    "body-parser (express 5)": (buffer, type) =>
      type === FORM
        ? middleware(bodyParser.urlencoded({ extended: false, ...limit }))(buffer, type)
        : middleware(bodyParser.json(limit))(buffer, type),
    "body-parser extended (qs)": (buffer, type) =>
      type === FORM
        ? middleware(bodyParser.urlencoded({ extended: true, ...limit }))(buffer, type)
        : undefined,
    "querystring.parse / JSON.parse": (buffer, type) =>
      type === FORM
        ? querystring.parse(buffer.toString(), "&", "=", { maxKeys: 1000 })
        : JSON.parse(buffer.toString()),
    URLSearchParams: (buffer, type) => {
      if (type !== FORM) return undefined;
      for (const _ of new URLSearchParams(buffer.toString()));
    },
  };
  const rows = [];
  for (const [name, type, text] of SHAPES) {
    const buffer = Buffer.from(text);
    const runs = Object.fromEntries(Object.keys(contenders).map((c) => [c, []]));
    const outcomes = {};
    for (let t = 0; t < trials; t++)
      for (const [c, fn] of Object.entries(contenders)) {
        const { ms, outcome } = await once(fn, buffer, type);
        runs[c].push(ms);
        outcomes[c] = outcome;
      }
    const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const row = { name, bytes: buffer.length, type, results: {} };
    for (const c of Object.keys(contenders)) {
      const applies = type === FORM || !["body-parser extended (qs)", "URLSearchParams"].includes(c);
      row.results[c] = applies ? { ms: median(runs[c]), outcome: outcomes[c] } : undefined;
    }
    log(`  ${name}: cherry ${row.results.cherry.ms.toFixed(1)} ms (${row.results.cherry.outcome})`);
    rows.push(row);
  }
  return { contenders: Object.keys(contenders), rows };
}
