/**
 * RFC 9110 conditional requests (§13) and ranges (§14), the same for a static file and for a file a
 * handler returns with `response.file()` (both go through src/server/_file-answer.ts).
 */
import { utimesSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApp, type TestApp } from "../helpers/app.js";

const ROOT = `
import type { Request, Response } from "cherry";
export default class Root {
  hello(_request: Request, response: Response) { return response.file("public/hello.txt"); }
  fresh(_request: Request, response: Response) { return response.file("public/fresh.txt"); }
}
`;

let app: TestApp;
beforeAll(async () => {
  app = await serveApp({
    "src/root.ts": ROOT,
    "RootServer.cfg": "[staticContent]\nstatic = public\n",
    "public/hello.txt": "hello static\n",
    "public/fresh.txt": "hello static\n",
  });
  // hello.txt changed long ago (its Last-Modified is strong); fresh.txt "changes" in an hour, so its
  // Last-Modified is never a second before now (RFC 9110 §8.8.2.2: weak).
  const hour = 3600;
  const now = Date.now() / 1000;
  utimesSync(path.join(app.dir, "public/hello.txt"), now - hour, now - hour);
  utimesSync(path.join(app.dir, "public/fresh.txt"), now + hour, now + hour);
});
afterAll(() => app.close());

describe.each([
  ["a static file", "/static/hello.txt"],
  ["response.file()", "/hello"],
])("RFC 9110 conditionals and ranges: %s", (_kind, url) => {
  const get = (headers: Record<string, string> = {}, method = "GET") =>
    fetch(new URL(url, app.url), { headers, method });
  let etag: string;
  let lastModified: string;
  beforeAll(async () => {
    const res = await get();
    etag = res.headers.get("etag") ?? "";
    lastModified = res.headers.get("last-modified") ?? "";
  });
  const weak = () => `W/${etag}`;
  const past = "Thu, 01 Jan 1998 00:00:00 GMT";

  it("gives a strong ETag, Last-Modified, Content-Length and Accept-Ranges", async () => {
    const res = await get();
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(res.headers.get("content-length")).toBe("13");
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(lastModified).toMatch(/GMT$/);
  });

  it.each<[string, () => Record<string, string>, number]>([
    ["If-None-Match with the tag", () => ({ "if-none-match": etag }), 304],
    [
      "If-None-Match with the weak form of the tag (weak comparison)",
      () => ({ "if-none-match": weak() }),
      304,
    ],
    ["If-None-Match among others", () => ({ "if-none-match": `"x", ${etag}` }), 304],
    ["If-None-Match: *", () => ({ "if-none-match": "*" }), 304],
    [
      "If-None-Match with another tag, even with a fresh If-Modified-Since",
      () => ({ "if-none-match": '"other"', "if-modified-since": lastModified }),
      200,
    ],
    ["If-Modified-Since = Last-Modified", () => ({ "if-modified-since": lastModified }), 304],
    ["If-Modified-Since in the past", () => ({ "if-modified-since": past }), 200],
    ["If-Modified-Since that is no HTTP-date (3000)", () => ({ "if-modified-since": "3000" }), 200],
    ["If-Modified-Since in ISO form", () => ({ "if-modified-since": "2999-01-01" }), 200],
    ["If-Unmodified-Since that is no HTTP-date", () => ({ "if-unmodified-since": "1990" }), 200],
    [
      "If-Modified-Since in the obsolete asctime form, later",
      () => ({ "if-modified-since": "Sun Nov  6 08:49:37 2999" }),
      304,
    ],
    ["If-Match with the tag", () => ({ "if-match": etag }), 200],
    ["If-Match: *", () => ({ "if-match": "*" }), 200],
    ["If-Match with the weak form of the tag (strong comparison)", () => ({ "if-match": weak() }), 412],
    ["If-Match with another tag", () => ({ "if-match": '"other"' }), 412],
    ["If-Unmodified-Since in the past", () => ({ "if-unmodified-since": past }), 412],
    ["If-Unmodified-Since = Last-Modified", () => ({ "if-unmodified-since": lastModified }), 200],
  ])("%s: answers with the status given", async (_name, headers, status) => {
    expect((await get(headers())).status).toBe(status);
  });

  it.each<[string, () => Record<string, string>, number, string]>([
    ["bytes=0-4", () => ({ range: "bytes=0-4" }), 206, "hello"],
    ["a suffix range", () => ({ range: "bytes=-7" }), 206, "static\n"],
    ["an open range past the end", () => ({ range: "bytes=6-99" }), 206, "static\n"],
    ["If-Range with the strong tag", () => ({ range: "bytes=0-4", "if-range": etag }), 206, "hello"],
    [
      "If-Range with the weak tag (never strong)",
      () => ({ range: "bytes=0-4", "if-range": weak() }),
      200,
      "hello static\n",
    ],
    [
      "If-Range with another tag",
      () => ({ range: "bytes=0-4", "if-range": '"other"' }),
      200,
      "hello static\n",
    ],
    ["If-Range = Last-Modified", () => ({ range: "bytes=0-4", "if-range": lastModified }), 206, "hello"],
    ["If-Range with an older date", () => ({ range: "bytes=0-4", "if-range": past }), 200, "hello static\n"],
    ["an unknown range unit", () => ({ range: "items=0-4" }), 200, "hello static\n"],
    ["an unknown unit past the end (not 416)", () => ({ range: "items=99-" }), 200, "hello static\n"],
    ["two ranges", () => ({ range: "bytes=0-1,3-4" }), 200, "hello static\n"],
    ["an invalid range (last < first)", () => ({ range: "bytes=5-2" }), 200, "hello static\n"],
    ["a malformed range", () => ({ range: "bytes=abc" }), 200, "hello static\n"],
  ])("a Range header, %s: answers with the status and body given", async (_name, headers, status, body) => {
    const res = await get(headers());
    expect(res.status).toBe(status);
    expect(await res.text()).toBe(body);
    if (status === 206) expect(res.headers.get("content-range")).toMatch(/^bytes \d+-\d+\/13$/);
  });

  it("answers 416 with the length only when no range overlaps the file", async () => {
    for (const range of ["bytes=13-", "bytes=99-100", "bytes=-0", "bytes=20-30,40-"]) {
      const res = await get({ range });
      expect(res.status, range).toBe(416);
      expect(res.headers.get("content-range")).toBe("bytes */13");
    }
  });

  it("ignores Range on HEAD and answers it without a body", async () => {
    const res = await get({ range: "bytes=0-4" }, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("13");
    expect(await res.text()).toBe("");
  });
});

describe.each([
  ["a static file", "/static/fresh.txt"],
  ["response.file()", "/fresh"],
])("If-Range with a date: %s", (_kind, url) => {
  it("sends the whole file when Last-Modified is not a second before now (a weak validator)", async () => {
    const lastModified = (await fetch(new URL(url, app.url))).headers.get("last-modified") ?? "";
    const res = await fetch(new URL(url, app.url), {
      headers: { range: "bytes=0-4", "if-range": lastModified },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello static\n");
  });
});
