// Request parsing on hostile bodies of 1 MiB and of the 10 MiB body limit, urlencoded, JSON and
// multipart (README, "Limits and checks"): from an in-memory request stream to the
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
const BOUNDARY = "----cherrybench";
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;
/** cherry's default maxRequestBodySize: every shape is read up to it, as a request would be. */
const BODY_LIMIT = 10 * MiB;

const part = (name, value) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const multipart = (n, name) =>
  `${Array.from({ length: n }, (_, i) => part(name(i), "x")).join("")}--${BOUNDARY}--\r\n`;
const emptyContainers = (head, unit, bytes = MiB) =>
  `${head}${Array(Math.floor((bytes - head.length - 2) / (unit.length + 1)))
    .fill(unit)
    .join(",")}]}`;

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
  ["a&a&a…", FORM, fill("a&")],
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
  // Empty containers have no keys; a \u escape or a prototype key made every one walked.
  ["JSON: {} ×350,000 after a \\u escape", JSON_TYPE, emptyContainers('{"\\u0061":1,"a":[', "{}")],
  ["JSON: [] ×350,000 after a prototype key", JSON_TYPE, emptyContainers('{"prototype":1,"a":[', "[]")],
  [
    "JSON: 24,999 empty objects (cherry's value limit)",
    JSON_TYPE,
    `{"a":[${Array(24_999).fill("{}").join(",")}]}`,
  ],
  // At the default body limit (10 MiB): every shape, not only 1 MiB ones.
  [
    "10 MiB: JSON {} ×3,500,000 after prototype",
    JSON_TYPE,
    emptyContainers('{"prototype":1,"a":[', "{}", BODY_LIMIT),
  ],
  ["10 MiB: JSON one string", JSON_TYPE, `{"a":"${fill("x", BODY_LIMIT - 8)}"}`],
  ["10 MiB: one urlencoded field of +", FORM, `a=${fill("+", BODY_LIMIT - 2)}`],
  ["10 MiB: a&a&a…", FORM, fill("a&", BODY_LIMIT)],
  ["multipart: 1000 fields named a", MULTIPART, multipart(1000, () => "a")],
  [
    "multipart: 10,000 fields named a (maxFormFields at its maximum)",
    MULTIPART,
    multipart(10_000, () => "a"),
  ],
  ["multipart: 20,000 fields named a (413)", MULTIPART, multipart(20_000, () => "a")],
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
  const { readMultipart, addForm } = await import(`${ROOT}/dist/server/_multipart.js`);
  const { UploadFolder } = await import(`${ROOT}/dist/server/upload.js`);
  const folder = new UploadFolder();
  // The schema's maximum for maxFormFields (src/config/schema.ts): the worst case a config allows.
  const multipartLimits = {
    maxRequestBodySize: BODY_LIMIT,
    maxFileUploads: 20,
    maxFileSize: 0,
    maxFormFields: 10_000,
  };
  const bodyParser = require(require.resolve("body-parser", { paths: [require.resolve("express")] }));
  const limit = { limit: MiB + 1024 };
  const contenders = {
    cherry: async (buffer, type) => {
      if (type === MULTIPART) {
        const form = await readMultipart(request(buffer, type), multipartLimits, folder);
        addForm(Object.create(null), form);
        return form.dispose();
      }
      return parseParams("", await readBody(request(buffer, type), BODY_LIMIT), type);
    },
    "body-parser (express 5)": (buffer, type) =>
      type === MULTIPART
        ? undefined
        : type === FORM
          ? middleware(bodyParser.urlencoded({ extended: false, ...limit }))(buffer, type)
          : middleware(bodyParser.json(limit))(buffer, type),
    "body-parser extended (qs)": (buffer, type) =>
      type === FORM
        ? middleware(bodyParser.urlencoded({ extended: true, ...limit }))(buffer, type)
        : undefined,
    "querystring.parse / JSON.parse": (buffer, type) =>
      type === MULTIPART
        ? undefined
        : type === FORM
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
        // Past 1 MiB only cherry runs: the others' 1 MiB limit would refuse it (URLSearchParams,
        // without one, spends seconds on 10 MiB of +).
        if (c !== "cherry" && buffer.length > limit.limit) continue;
        const { ms, outcome } = await once(fn, buffer, type);
        runs[c].push(ms);
        outcomes[c] = outcome;
      }
    const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const row = { name, bytes: buffer.length, type, results: {} };
    for (const c of Object.keys(contenders)) {
      const applies =
        c === "cherry" ||
        (buffer.length <= limit.limit &&
          (type === FORM ||
            (type === JSON_TYPE && !["body-parser extended (qs)", "URLSearchParams"].includes(c))));
      row.results[c] = applies ? { ms: median(runs[c]), outcome: outcomes[c] } : undefined;
    }
    log(`  ${name}: cherry ${row.results.cherry.ms.toFixed(1)} ms (${row.results.cherry.outcome})`);
    rows.push(row);
  }
  return { contenders: Object.keys(contenders), rows };
}
