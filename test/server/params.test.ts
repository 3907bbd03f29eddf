/**
 * Bounded work per request (SECURITY.md): the query string, urlencoded, multipart and JSON bodies
 * and the Cookie header are parsed in time linear in their size, with limits that answer 413. Nothing here
 * times anything: the limits are asserted at N and N + 1, and the work is counted.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CherryError } from "../../src/errors.js";
import { isRefusal, MAX_FIELDS, MAX_PARSED_BODY, parseParams } from "../../src/server/_body.js";
import { addField } from "../../src/server/_fields.js";
import { JSON_MAX_DEPTH, JSON_MAX_KEYS, JSON_MAX_VALUES } from "../../src/server/_json.js";
import { addForm, type Form } from "../../src/server/_multipart.js";
import { StoredUpload } from "../../src/server/upload.js";
import { Client, countOf, serveApp, type TestApp } from "../helpers/app.js";

const FORM = "application/x-www-form-urlencoded";
const form = (text: string) => parseParams("", Buffer.from(text), FORM);
const json = (text: string) => parseParams("", Buffer.from(text), "application/json");
const fields = (n: number, make: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => make(i)).join("&");

function refusal(parse: () => unknown): CherryError | undefined {
  try {
    parse();
  } catch (error) {
    if (isRefusal(error)) return error;
    throw error;
  }
  return undefined;
}

describe("field limit: 1000 fields in the query string and in a urlencoded body, then 413", () => {
  const shapes: [string, (i: number) => string][] = [
    ["many short fields", (i) => `f${i}=${i}`],
    ["one repeated key", () => "a=1"],
    ["bare names (a&a&a…)", () => "a"],
    ["empty values", (i) => `k${i}=`],
    ["encoded names", (i) => `%66%69${i}=%C3%A9+x`],
  ];
  it.each(shapes)("body, %s: the limit passes, one more is a 413 naming the limit", (_, make) => {
    expect(refusal(() => form(fields(MAX_FIELDS, make)))).toBeUndefined();
    const error = refusal(() => form(fields(MAX_FIELDS + 1, make)));
    expect(error?.httpStatus).toBe(413);
    expect(error?.message).toBe("too many fields in the body (the limit is 1000)");
  });

  it.each(shapes)("query string, %s: the limit passes, one more is a 413", (_, make) => {
    expect(refusal(() => parseParams(fields(MAX_FIELDS, make), Buffer.alloc(0), undefined))).toBeUndefined();
    const error = refusal(() => parseParams(fields(MAX_FIELDS + 1, make), Buffer.alloc(0), undefined));
    expect(error?.httpStatus).toBe(413);
    expect(error?.message).toContain("query string");
  });

  it("counts fields, not separators: a megabyte of & and = is no field at all", () => {
    expect(Object.keys(form("&".repeat(1 << 20)))).toEqual([]);
    expect(Object.keys(form(`${"&".repeat(5000)}a=1${"&".repeat(5000)}`))).toEqual(["a"]);
  });

  it("keeps 1000 repeats of one key as one array of 1000 values, in order", () => {
    const out = form(fields(MAX_FIELDS, (i) => `a=${i}`));
    expect(out.a).toHaveLength(MAX_FIELDS);
    expect((out.a as string[])[999]).toBe("999");
  });
});

describe("linear work: counted, not timed", () => {
  // Two counts, so no way of copying an array on each repeat passes: (1) the shared adder is handed
  // an array behind a Proxy that counts every read and write of it, which any copy (spread, concat,
  // slice, Array.from, Object.assign, a for loop) must make once per element; (2) every parser that
  // uses it runs with the copying built-ins (array iterator, concat, slice, Array.from, splice)
  // counting the elements they step through.
  function proxyTouches(repeats: number): number {
    let touches = 0;
    const counted = <T extends object>(target: T): T =>
      new Proxy(target, {
        get: (t, key, receiver) => {
          touches++;
          return Reflect.get(t, key, receiver);
        },
        set: (t, key, value, receiver) => {
          touches++;
          return Reflect.set(t, key, value, receiver);
        },
        has: (t, key) => {
          touches++;
          return Reflect.has(t, key);
        },
        ownKeys: (t) => {
          touches += (t as unknown[]).length ?? 1;
          return Reflect.ownKeys(t);
        },
      });
    // Every array the adder stores is put behind the counting Proxy, so a fresh copy is counted too.
    const wrapped = new WeakSet<object>();
    const target = new Proxy(Object.create(null) as Record<string, unknown>, {
      set: (t, key, value) => {
        if (Array.isArray(value) && !wrapped.has(value)) {
          const proxy = counted(value);
          wrapped.add(proxy);
          t[key as string] = proxy;
        } else t[key as string] = value;
        return true;
      },
    });
    target.a = ["first"];
    for (let i = 0; i < repeats; i++) addField(target, "a", String(i));
    // Whatever the adder did, the values are all there.
    expect((target.a as unknown[]).length).toBe(repeats + 1);
    return touches;
  }

  it("addField: each repeat touches the existing array a fixed number of times (100 or 10,000 repeats)", () => {
    expect(proxyTouches(100)).toBeLessThanOrEqual(8 * 100);
    const large = proxyTouches(10_000);
    // Linear: 100× the repeats costs about 100× the touches, not 10,000×.
    expect(large).toBeLessThanOrEqual(8 * 10_000);
  });

  function copySteps(run: () => void): number {
    const proto = Array.prototype as unknown as Record<string | symbol, (...args: unknown[]) => unknown>;
    const saved = {
      iterator: proto[Symbol.iterator],
      concat: proto.concat,
      slice: proto.slice,
      splice: proto.splice,
      from: Array.from,
    };
    let steps = 0;
    proto[Symbol.iterator] = function (this: unknown[]) {
      const inner = saved.iterator.call(this) as Iterator<unknown>;
      return {
        next: () => {
          steps++;
          return inner.next();
        },
        [Symbol.iterator]() {
          return this;
        },
      } as Iterator<unknown>;
    };
    proto.concat = function (this: unknown[], ...args: unknown[]) {
      steps += this.length + args.length;
      return saved.concat.apply(this, args);
    };
    proto.slice = function (this: unknown[], ...args: unknown[]) {
      steps += this.length;
      return saved.slice.apply(this, args);
    };
    proto.splice = function (this: unknown[], ...args: unknown[]) {
      steps += this.length;
      return saved.splice.apply(this, args);
    };
    Array.from = ((items: ArrayLike<unknown>, ...rest: unknown[]) => {
      steps += (items as unknown[]).length ?? 0;
      return (saved.from as (...a: unknown[]) => unknown[])(items, ...rest);
    }) as typeof Array.from;
    try {
      run();
    } finally {
      proto[Symbol.iterator] = saved.iterator;
      proto.concat = saved.concat;
      proto.slice = saved.slice;
      proto.splice = saved.splice;
      Array.from = saved.from;
    }
    return steps;
  }

  const repeatedForm = (n: number): Form => ({
    fields: Array.from({ length: n }, (_, i) => ["a", String(i)] as [string, string]),
    files: Array.from({ length: 20 }, () => new StoredUpload("a", "f.txt", "text/plain")),
    dispose: async () => {},
  });
  // Built outside the count: Array.from here is not the parser's work.
  const forms = [repeatedForm(1000), repeatedForm(10_000)];

  it.each([
    ["urlencoded body", () => form(fields(MAX_FIELDS, () => "a=1"))],
    [
      "query string",
      () =>
        parseParams(
          fields(MAX_FIELDS, () => "a"),
          Buffer.alloc(0),
          undefined,
        ),
    ],
    [
      "query and body",
      () =>
        parseParams(
          fields(500, () => "a=1"),
          Buffer.from(fields(500, () => "a=2")),
          FORM,
        ),
    ],
    ["multipart: 1000 text fields and 20 files of one name", () => addForm({}, forms[0])],
    ["multipart: 10,000 text fields of one name", () => addForm({}, forms[1])],
  ])("%s: repeats of one key cost at most a few steps per field", (_, run) => {
    expect(copySteps(run)).toBeLessThanOrEqual(4 * 10_000);
  });

  it("the step counter sees each way of copying (it would catch the old addForm)", () => {
    const list = Array.from({ length: 1000 }, (_, i) => i);
    expect(copySteps(() => void [...list, 1])).toBeGreaterThanOrEqual(1000);
    expect(copySteps(() => void list.concat(1))).toBeGreaterThanOrEqual(1000);
    expect(copySteps(() => void list.slice())).toBeGreaterThanOrEqual(1000);
    expect(copySteps(() => void Array.from(list))).toBeGreaterThanOrEqual(1000);
  });

  it("addForm keeps every repeat, text fields first, then files, in order", () => {
    const params: Record<string, unknown> = Object.create(null);
    params.a = "from the query";
    addForm(params, repeatedForm(3));
    const a = params.a as unknown[];
    expect(a.slice(0, 3)).toEqual(["0", "1", "2"]);
    expect(a).toHaveLength(23);
    expect(a[3]).toBeInstanceOf(StoredUpload);
  });
});

describe("bodies parsed into params: at most MAX_PARSED_BODY (1 MiB) bytes, then 413", () => {
  const exactly = (bytes: number, head: string, unit: string, tail: string) =>
    `${head}${unit.repeat(bytes - head.length - tail.length)}${tail}`;
  it.each([
    ["urlencoded, one field of +", FORM, (n: number) => exactly(n, "a=", "+", "")],
    ["JSON, one string", "application/json", (n: number) => exactly(n, '{"a":"', "x", '"}')],
    ["+json, one string", "application/vnd.api+json", (n: number) => exactly(n, '{"a":"', "x", '"}')],
  ])("%s: 1 MiB passes, one byte more is a 413", (_, type, make) => {
    expect(refusal(() => parseParams("", Buffer.from(make(MAX_PARSED_BODY)), type))).toBeUndefined();
    const error = refusal(() => parseParams("", Buffer.from(make(MAX_PARSED_BODY + 1)), type));
    expect(error?.httpStatus).toBe(413);
    expect(error?.message).toContain(`body over ${MAX_PARSED_BODY} bytes`);
  });

  it("leaves other types alone: a 3 MiB text/plain or octet-stream body is the handler's", () => {
    for (const type of ["text/plain", "application/octet-stream", undefined])
      expect(refusal(() => parseParams("", Buffer.alloc(3 * MAX_PARSED_BODY, 0x61), type))).toBeUndefined();
  });
});

describe("JSON bodies: a value limit, so no shape walks more than 50,000 containers", () => {
  const list = (n: number, element: string) => `{"a":[${Array(n).fill(element).join(",")}]}`;
  // n commas and brackets in all: the document's opening brace and the array's bracket, then
  // n - 2 elements of which each but the first adds a comma (and an opening bracket if a container).
  it.each([
    ["empty objects", "{}", 2],
    ["empty arrays", "[]", 2],
    ["numbers", "1", 1],
    ["nulls", "null", 1],
    ["empty strings", '""', 1],
  ])("%s: at the limit pass, one more value is a 413", (_, element, cost) => {
    const at = Math.floor((JSON_MAX_VALUES - 2 + 1) / cost);
    expect(refusal(() => json(list(at, element)))).toBeUndefined();
    const error = refusal(() => json(list(at + 1, element)));
    expect(error?.httpStatus).toBe(413);
    expect(error?.message).toBe(`JSON body with more than ${JSON_MAX_VALUES} values`);
  });

  it.each([
    ["a \\u escape", '{"\\u0061":1,"a":['],
    ["a prototype key", '{"prototype":1,"a":['],
    ["a __proto__ inside a string", '{"s":"__proto__","a":['],
  ])("1 MiB of {} (340,000) after %s is a 413 before JSON.parse or the prototype pass", (_, head) => {
    // 340,000 × "{}," is just under 1 MiB: the value limit refuses it, not the size limit.
    const body = `${head}${Array(340_000).fill("{}").join(",")}]}`;
    expect(body.length).toBeLessThan(MAX_PARSED_BODY);
    const error = refusal(() => json(body));
    expect(error?.httpStatus).toBe(413);
    expect(error?.message).toContain("values");
  });
});

describe("JSON bodies: depth and key limits, then 413", () => {
  const deepArray = (n: number) => `{"a":${"[".repeat(n - 1)}${"]".repeat(n - 1)}}`;
  const deepObject = (n: number) => `${'{"a":'.repeat(n - 1)}{}${"}".repeat(n - 1)}`;
  const manyKeys = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",")}}`;
  const nestedKeys = (n: number) =>
    `{"list":[${Array.from({ length: n - 1 }, (_, i) => `{"k":${i}}`).join(",")}]}`;

  it.each([
    ["nested arrays", deepArray],
    ["nested objects", deepObject],
  ])("%s: 32 levels pass, one more is a 413", (_, make) => {
    expect(refusal(() => json(make(JSON_MAX_DEPTH)))).toBeUndefined();
    const error = refusal(() => json(make(JSON_MAX_DEPTH + 1)));
    expect(error?.httpStatus).toBe(413);
    expect(error?.message).toBe("JSON body nested deeper than 32 levels");
  });

  it("a megabyte of [ is refused at level 33, before JSON.parse", () => {
    expect(refusal(() => json(`{"a":${"[".repeat(1 << 20)}`))?.httpStatus).toBe(413);
  });

  it.each([
    ["keys of one object", manyKeys],
    ["keys spread over many small objects", nestedKeys],
  ])("%s: 10,000 pass, one more is a 413", (_, make) => {
    expect(refusal(() => json(make(JSON_MAX_KEYS)))).toBeUndefined();
    const error = refusal(() => json(make(JSON_MAX_KEYS + 1)));
    expect(error?.httpStatus).toBe(413);
    expect(error?.message).toBe("JSON body with more than 10000 keys");
  });

  it("does not count brackets, colons or escaped quotes inside strings", () => {
    const text = JSON.stringify({ s: `${"[{:".repeat(20_000)}\\"]}` });
    expect(json(text).s).toBe(`${"[{:".repeat(20_000)}\\"]}`);
    // A string ending in an escaped backslash ends at its quote.
    const deep = "[".repeat(JSON_MAX_DEPTH + 1);
    expect(json(JSON.stringify({ s: "a\\", t: deep, u: '\\"' })).t).toBe(deep);
  });

  it("drops __proto__ keys at every depth, spelled plainly or escaped", () => {
    const out = json(
      '{"a":{"__proto__":{"polluted":1},"b":[{"\\u005f_proto__":{"polluted":2},"c":3}]},"__proto__":{"x":1}}',
    );
    expect(Object.keys(out)).toEqual(["a"]);
    const a = out.a as Record<string, unknown>;
    expect(Object.hasOwn(a, "__proto__")).toBe(false);
    const inner = (a.b as Record<string, unknown>[])[0];
    expect(Object.hasOwn(inner, "__proto__")).toBe(false);
    expect(inner.c).toBe(3);
    // A naive merge of the result reaches no prototype.
    const merged = Object.assign({}, a, inner) as Record<string, unknown>;
    expect(merged.polluted).toBeUndefined();
  });

  it("drops constructor keys that hold a prototype, at every depth, and keeps other constructor keys", () => {
    const out = json(
      '{"constructor":{"prototype":{"polluted":1}},"a":{"b":{"\\u0063onstructor":{"prototype":{"polluted":2}}}},"c":{"constructor":"Ada"}}',
    );
    expect(Object.hasOwn(out, "constructor")).toBe(false);
    expect(Object.hasOwn((out.a as { b: object }).b, "constructor")).toBe(false);
    expect(out.c).toEqual({ constructor: "Ada" });
    // The recursive merge of lodash-merge CVE-2018-3721 fame reaches no prototype.
    const merge = (target: Record<string, unknown>, source: Record<string, unknown>) => {
      for (const key of Object.keys(source)) {
        const value = source[key];
        if (typeof value === "object" && value !== null) {
          if (typeof target[key] !== "object" && typeof target[key] !== "function") target[key] = {};
          merge(target[key] as Record<string, unknown>, value as Record<string, unknown>);
        } else target[key] = value;
      }
    };
    merge({}, out as Record<string, unknown>);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("still answers malformed JSON with 400 and a non-object top level with 400", () => {
    expect(refusal(() => json("{nope"))?.httpStatus).toBe(400);
    expect(refusal(() => json("[1,2]"))?.httpStatus).toBe(400);
  });
});

describe("urlencoded decoding matches URLSearchParams", () => {
  it("gives the same fields for random inputs of +, %, hex digits, UTF-8 and separators", () => {
    const alphabet = fc.constantFrom(
      "a",
      "b",
      "=",
      "&",
      "+",
      "%",
      "2",
      "0",
      "C",
      "3",
      "A",
      "9",
      "é",
      "€",
      "%zz",
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (chars) => {
        const text = chars.join("");
        const expected: Record<string, string | string[]> = {};
        // Node's URLSearchParams mis-decodes raw non-ASCII next to %XX ("%aa€" gives "��", not the
        // spec's "\uFFFD€"): give it the same bytes all percent-encoded, as a form body sends them.
        const ascii = text.replace(/[é€]/gu, (c) => encodeURIComponent(c));
        for (const [k, v] of new URLSearchParams(ascii)) {
          if (k === "__proto__") continue;
          const prev = expected[k];
          expected[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
        }
        expect({ ...form(text) }).toEqual(expected);
      }),
      { numRuns: 2000, seed: 14 },
    );
  });
});

describe("any input", () => {
  it("gives params or a 400/413, never another error, for random JSON-ish and urlencoded bytes", () => {
    const piece = fc.constantFrom(
      '{"a":',
      "[",
      "]",
      "{",
      "}",
      ",",
      ":",
      '"',
      "\\",
      "1",
      "__proto__",
      "&",
      "=",
      "%",
      "+",
      "é",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 80 }), fc.boolean(), (pieces, asJson) => {
        const body = Buffer.from(pieces.join(""));
        try {
          parseParams(pieces.join("").slice(0, 40), body, asJson ? "application/json" : FORM);
        } catch (error) {
          expect(isRefusal(error)).toBe(true);
          expect([400, 413]).toContain((error as CherryError).httpStatus);
        }
      }),
      { numRuns: 3000, seed: 14 },
    );
  });
});

describe("over HTTP: the counter app", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await serveApp({ "RootServer.cfg": "[session]\nstorageType = ram\n" });
  });
  afterAll(() => app.close());

  it("answers a 30,000 × a& body with a 413 naming the limit, and stores nothing", async () => {
    const res = await fetch(app.url, {
      method: "POST",
      headers: { "content-type": FORM },
      body: "a&".repeat(30_000),
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe("too many fields in the body (the limit is 1000)\n");
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("serves 1000 fields and refuses 1001 in the query string", async () => {
    const ok = await fetch(`${app.url}/?${fields(MAX_FIELDS, (i) => `q${i}`)}`);
    expect(ok.status).toBe(200);
    const over = await fetch(`${app.url}/?${fields(MAX_FIELDS + 1, (i) => `q${i}`)}`);
    expect(over.status).toBe(413);
  });

  it("refuses a JSON body 33 levels deep, with 10,001 keys, 50,001 values or over 1 MiB", async () => {
    for (const body of [
      `{"a":[${Array(50_000).fill("[]").join(",")}]}`,
      `{"a":"${"x".repeat(MAX_PARSED_BODY)}"}`,
      `{"a":${"[".repeat(40)}${"]".repeat(40)}}`,
      JSON.stringify(Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, 1]))),
    ]) {
      const res = await fetch(app.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(413);
    }
  });

  it("finds the session cookie at the end of a Cookie header of 1750 pairs (near the 16 KiB header limit)", async () => {
    const client = new Client(app.url);
    expect(countOf(await client.text("/"))).toBe(1);
    const [name, value] = [...client.jar][0];
    const filler = Array.from({ length: 1750 }, (_, i) => `c${i}=v`).join("; ");
    expect(filler.length).toBeGreaterThan(14_000);
    expect(filler.length).toBeLessThan(15_500);
    const res = await fetch(app.url, { headers: { cookie: `${filler}; ${name}=${value}` } });
    expect(countOf(await res.text())).toBe(2);
  });

  it("refuses a Cookie header that takes the headers over 16 KiB with 431", async () => {
    const filler = Array.from({ length: 4000 }, (_, i) => `c${i}=v`).join("; ");
    const res = await fetch(app.url, { headers: { cookie: filler } });
    expect(res.status).toBe(431);
  });
});
