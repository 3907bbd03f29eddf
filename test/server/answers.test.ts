/**
 * What a handler may return (README "Return values"): bytes, Node and web streams, async iterables and
 * generators, Blob/File, a web Response, response.file(), JSON; anything else a 500 naming its type.
 * Streams commit the session before their first byte, fail midway without a second status line, wait
 * for a slow reader, and stop when the client goes away.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, serveApp, type TestApp } from "../helpers/app.js";

const ROOT = `
import { createReadStream } from "node:fs";
import { Readable, Writable } from "node:stream";
import type { Request, Response } from "cherry";
const probe = (globalThis as any).__answersProbe;
class Widget { secret = "internal-state"; }
export default class Root {
  readable() { return Readable.from(["no", "de"]); }
  fileStream() { return createReadStream(new URL("../public/hello.txt", import.meta.url)); }
  webStream() {
    return new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("web ")); c.enqueue(new TextEncoder().encode("stream")); c.close(); } });
  }
  async *asyncGen() { yield "<p>"; yield "gen"; yield "</p>"; }
  *syncGen() { yield "a"; yield Buffer.from("b"); }
  iterable() { return { async *[Symbol.asyncIterator]() { yield "it"; } }; }
  blob() { return new Blob(["blob!"], { type: "text/plain" }); }
  file() { return new File(["a,b"], "x.csv", { type: "text/csv" }); }
  web(request: Request) {
    request.sessionMap.set("via", "web");
    return new Response("created", { status: 201, headers: { "x-kind": "web", "set-cookie": "extra=1; Path=/" } });
  }
  webEmpty() { return new Response(null, { status: 204, headers: { "x-empty": "1" } }); }
  webJson() { return Response.json({ ok: true }, { status: 202 }); }
  object() { return { a: 1 }; }
  array() { return [1, "two"]; }
  bare() { const o = Object.create(null); o.k = "v"; return o; }
  date() { return new Date(0); }
  widget() { return new Widget(); }
  map() { return new Map([["k", "v"]]); }
  writable() { return new Writable({ write(_c, _e, cb) { cb(); } }); }
  used() { const r = Readable.from(["x"]); r.destroy(); return r; }
  errorResponse() { return Response.error(); }
  fn() { return () => 1; }
  symbol() { return Symbol("s"); }
  async *sessionStream(request: Request) {
    request.sessionMap.set("before", "saved");
    yield "one ";
    yield "two";
  }
  async *failsFirst(request: Request) {
    request.sessionMap.set("lost", true);
    throw new Error("no first chunk");
    yield "never";
  }
  async *failsMidway() { yield "partial "; await new Promise((r) => setTimeout(r, 5)); throw new Error("midway boom"); }
  async *badChunk() { yield "fine "; yield 42 as unknown as string; }
  async *slow() {
    const chunk = Buffer.alloc(64 * 1024, 97);
    for (let i = 0; i < probe.total; i++) { probe.produced++; yield chunk; }
  }
  async *endless() {
    try { for (let i = 0; ; i++) { yield "tick " + i + "\\n"; await new Promise((r) => setTimeout(r, 5)); } }
    finally { probe.stopped.generator = true; }
  }
  endlessReadable() {
    let i = 0;
    const r = new Readable({ read() { setTimeout(() => this.push("tick " + i++ + "\\n"), 5); } });
    r.on("close", () => { probe.stopped.readable = true; });
    return r;
  }
  endlessWeb() {
    let i = 0;
    return new ReadableStream({
      async pull(c) { await new Promise((r) => setTimeout(r, 5)); c.enqueue(new TextEncoder().encode("tick " + i++ + "\\n")); },
      cancel() { probe.stopped.web = true; },
    });
  }
  download(_r: Request, response: Response) { return response.file("public/hello.txt", { download: "résumé.txt" }); }
  typed(_r: Request, response: Response) { return response.file("public/hello.txt", { type: "text/x-custom" }); }
  missing(_r: Request, response: Response) { return response.file("public/nope.txt"); }
  read(request: Request) { return request.sessionMap.get("before", "") + request.sessionMap.get("via", "") + String(request.sessionMap.get("lost", "")); }
}
`;

interface Probe {
  total: number;
  produced: number;
  stopped: Record<string, boolean>;
}
const probe: Probe = { total: 1024, produced: 0, stopped: {} };
(globalThis as { __answersProbe?: Probe }).__answersProbe = probe;

let app: TestApp;
let prod: TestApp;
beforeAll(async () => {
  const files = {
    "src/root.ts": ROOT,
    "RootServer.cfg": "[session]\nstorageType = ram\n",
    "public/hello.txt": "hello static\n",
  };
  app = await serveApp(files, { watch: true, liveReload: false });
  prod = await serveApp(files);
});
afterAll(async () => {
  await app.close();
  await prod.close();
});

const get = (p: string, init?: RequestInit) => fetch(new URL(p, app.url), init);

describe("return values", () => {
  it.each([
    ["/readable", "application/octet-stream", "node"],
    ["/fileStream", "text/plain; charset=utf-8", "hello static\n"],
    ["/webStream", "application/octet-stream", "web stream"],
    ["/asyncGen", "text/html; charset=utf-8", "<p>gen</p>"],
    ["/syncGen", "text/html; charset=utf-8", "ab"],
    ["/iterable", "text/html; charset=utf-8", "it"],
  ])("streams %s as %s, chunked", async (p, type, body) => {
    const res = await get(p);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(type);
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    expect(await res.text()).toBe(body);
  });

  it.each([
    ["/blob", "text/plain", "blob!"],
    ["/file", "text/csv", "a,b"],
  ])("sends a %s with its type and length", async (p, type, body) => {
    const res = await get(p);
    expect(res.headers.get("content-type")).toBe(type);
    expect(res.headers.get("content-length")).toBe(String(body.length));
    expect(await res.text()).toBe(body);
  });

  it("uses a web Response's status, headers and body, and still adds the session cookie", async () => {
    const client = new Client(app.url);
    const res = await client.get("/web");
    expect(res.status).toBe(201);
    expect(res.headers.get("x-kind")).toBe("web");
    expect(await res.text()).toBe("created");
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toBe("extra=1; Path=/");
    expect(cookies[1]).toMatch(/^CherryPySession=[0-9a-f]{40}/);
    expect(await client.text("/read")).toBe("web");
  });

  it("sends a web Response without a body, and Response.json()", async () => {
    const empty = await get("/webEmpty");
    expect(empty.status).toBe(204);
    expect(empty.headers.get("x-empty")).toBe("1");
    const json = await get("/webJson");
    expect(json.status).toBe(202);
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await json.json()).toEqual({ ok: true });
  });

  it.each([
    ["/object", { a: 1 }],
    ["/array", [1, "two"]],
    ["/bare", { k: "v" }],
    ["/date", "1970-01-01T00:00:00.000Z"],
  ])("sends %s as JSON", async (p, value) => {
    const res = await get(p);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await res.json()).toEqual(value);
  });

  it.each([
    ["/widget", "a Widget (an instance of a class)"],
    ["/map", "a Map (an instance of a class)"],
    ["/writable", "a Writable (an instance of a class)"],
    ["/used", "a Readable that was already read or destroyed"],
    ["/errorResponse", "Response.error()"],
    ["/fn", "a function"],
    ["/symbol", "a symbol"],
  ])("refuses %s with a 500 naming %s, never serializing it", async (p, what) => {
    const res = await get(p);
    expect(res.status).toBe(500);
    const page = await res.text();
    expect(page).toContain(`the handler returned ${what}, which cherry cannot send`);
    expect(page).not.toContain("internal-state");
    expect(
      app.logger.lines.some((l) => l.startsWith(`error: handler for ${p}: the handler returned ${what}`)),
    ).toBe(true);
    const generic = await (await fetch(new URL(p, prod.url))).text();
    expect(generic).not.toContain("cannot send");
    expect(generic).not.toContain("internal-state");
  });
});

describe("streams and sessions", () => {
  it("commits the session before the first byte: the cookie is in the head, the data in the store", async () => {
    const client = new Client(app.url);
    const res = await client.get("/sessionStream");
    expect(res.headers.getSetCookie()[0]).toMatch(/^CherryPySession=/);
    expect(await res.text()).toBe("one two");
    expect(await client.text("/read")).toBe("saved");
  });

  it("answers a stream that fails before its first chunk with an ordinary 500, saving nothing", async () => {
    const client = new Client(app.url);
    const res = await client.get("/failsFirst");
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("no first chunk");
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it.each([
    ["/failsMidway", "midway boom"],
    ["/badChunk", "a streamed chunk must be a string, Buffer or Uint8Array, got number"],
  ])("ends %s when it fails midway: one status line, a cut body, the error logged", async (p, message) => {
    const raw = await rawRequest(`GET ${p} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    expect(raw.match(/HTTP\/1\.1 \d{3}/g)).toEqual(["HTTP/1.1 200"]);
    expect(raw).not.toMatch(/\r\n0\r\n\r\n$/); // no final chunk: the client knows the body is cut
    await expect((await get(p)).text()).rejects.toThrow();
    expect(
      app.logger.lines.some(
        (l) => l.includes(`${p}: its streamed body failed midway`) && l.includes(message),
      ),
    ).toBe(true);
  });

  it("writes a slow reader's stream only as fast as it reads (backpressure)", async () => {
    probe.produced = 0;
    const { port, hostname } = new URL(app.url);
    const socket = net.connect(Number(port), hostname);
    let received = 0;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
      socket.pause();
    });
    socket.write("GET /slow HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    // Read one chunk, then nothing: let the server fill the socket buffers and check it stopped producing.
    let last = -1;
    while (probe.produced !== last || received === 0) {
      last = probe.produced;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(probe.produced).toBeLessThan(probe.total / 2);
    socket.removeAllListeners("data");
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.resume();
    await new Promise((resolve) => socket.once("close", resolve));
    expect(probe.produced).toBe(probe.total);
    expect(received).toBeGreaterThan(probe.total * 64 * 1024);
  });

  it.each([
    ["/endless", "generator"],
    ["/endlessReadable", "readable"],
    ["/endlessWeb", "web"],
  ])("stops %s when the client goes away", async (p, key) => {
    const abort = new AbortController();
    const res = await get(p, { signal: abort.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toMatch(/^tick 0/);
    abort.abort();
    await expect.poll(() => probe.stopped[key], { timeout: 5000 }).toBe(true);
  });
  // HEAD to a stream: test/server/answer-release.test.ts (the source's release is observed there).
});

describe("response.file()", () => {
  it("sends a download with Content-Disposition (ASCII fallback and UTF-8 name)", async () => {
    const res = await get("/download");
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="r_sum_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt`,
    );
    expect(await res.text()).toBe("hello static\n");
  });

  it("takes a Content-Type, and answers 404 for a missing file", async () => {
    expect((await get("/typed")).headers.get("content-type")).toBe("text/x-custom");
    const missing = await get("/missing");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe("The file for '/missing' was not found.\n");
  });
});

function rawRequest(head: string): Promise<string> {
  const { port, hostname } = new URL(app.url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(head));
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk;
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(data));
  });
}
