import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApp, type TestApp } from "../helpers/app.js";
import { rawGet } from "../helpers/raw.js";

let app: TestApp;
beforeAll(async () => {
  app = await serveApp({
    "RootServer.cfg":
      "[session]\nstorageType = ram\n[staticContent]\nstatic = public\n/assets/css = styles\n",
    "public/hello.txt": "hello static\n",
    "public/page.html": "<h1>hi</h1>",
    "public/sub/app.js": "console.log(1)",
    "public/photo.png": "not really a png",
    "styles/site.css": "body{}",
    "secret.txt": "TOP SECRET",
  });
  mkdirSync(path.join(app.dir, "public/empty-dir"));
  symlinkSync(path.join(app.dir, "secret.txt"), path.join(app.dir, "public/link-out.txt"));
  symlinkSync(path.join(app.dir, "public/hello.txt"), path.join(app.dir, "public/link-in.txt"));
});
afterAll(() => app.close());

const get = (p: string, init?: RequestInit) => fetch(new URL(p, app.url), init);

const raw = (pathname: string) => rawGet(app.url, pathname);

describe("[staticContent]", () => {
  it.each([
    ["/static/hello.txt", "text/plain; charset=utf-8"],
    ["/static/page.html", "text/html; charset=utf-8"],
    ["/static/sub/app.js", "text/javascript; charset=utf-8"],
    ["/static/photo.png", "image/png"],
    ["/assets/css/site.css", "text/css; charset=utf-8"],
  ])("serves %s as %s", async (p, type) => {
    const res = await get(p);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(type);
  });

  it("answers 304 to a matching ETag or If-Modified-Since", async () => {
    const first = await get("/static/hello.txt");
    const etag = first.headers.get("etag") ?? "";
    const lastModified = first.headers.get("last-modified") ?? "";
    expect(etag).toMatch(/^"/);
    expect((await get("/static/hello.txt", { headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await get("/static/hello.txt", { headers: { "if-modified-since": lastModified } })).status).toBe(
      304,
    );
  });

  it("answers HEAD without a body and a byte range with 206", async () => {
    const head = await get("/static/hello.txt", { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe("13");
    expect(await head.text()).toBe("");
    const part = await get("/static/hello.txt", { headers: { range: "bytes=0-4" } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe("hello");
    expect((await get("/static/hello.txt", { headers: { range: "bytes=99-" } })).status).toBe(416);
  });

  it("follows a symlink that stays inside the folder", async () => {
    expect(await (await get("/static/link-in.txt")).text()).toBe("hello static\n");
  });

  it.each([
    "/static/../secret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E%2Fsecret.txt",
    "/static/sub/..%2F..%2Fsecret.txt",
    "/static/..%5csecret.txt",
    "/static/hello.txt%00.png",
    "/static/link-out.txt",
    "/static/empty-dir",
    "/static/",
    "/static/nope.txt",
  ])("never reveals a file outside the folder: %s", async (p) => {
    const response = await raw(p);
    expect(response).not.toContain("TOP SECRET");
    expect(response).toMatch(/^HTTP\/1.1 (400|404)/);
  });

  it("never touches sessions", async () => {
    const res = await get("/static/hello.txt", {
      headers: { cookie: "CherryPySession=0123456789abcdef0123456789abcdef01234567" },
    });
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("vary")).toBeNull();
  });

  it("refuses methods other than GET and HEAD", async () => {
    expect((await get("/static/hello.txt", { method: "POST" })).status).toBe(405);
  });

  it("picks up new files without a restart", async () => {
    writeFileSync(path.join(app.dir, "public/new.txt"), "new");
    expect(await (await get("/static/new.txt")).text()).toBe("new");
  });
});
