/**
 * Answers and what they hold: every stream cherry does not send to its end is
 * released (HEAD, a handler's bad status or header, a first chunk that is not bytes, a client gone
 * before the first chunk); framing headers are cherry's on every answer path; response.file()
 * options are checked before the session is saved, take `root` and a status; a fetch() Response
 * is forwarded without its hop-by-hop headers or a Content-Encoding its decoded body no longer has.
 */
import { readdirSync, readlinkSync, realpathSync, symlinkSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, serveApp, type TestApp } from "../helpers/app.js";

const ROOT = `
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { Request, Response } from "cherry";
const probe = (globalThis as any).__releaseProbe;
const file = () => createReadStream(new URL("../public/hello.txt", import.meta.url));
const flagged = (key: string) => { const r = file(); r.on("close", () => { probe.closed[key] = true; }); return r; };
const framed = (request: Request, response: Response) => { response.headers[String(request.params.h)] = String(request.params.v); };
export default class Root {
  fileStream() { return file(); }
  headReadable() { return flagged("head"); }
  headWeb() { return new ReadableStream({ pull(c) { c.enqueue(new Uint8Array([1])); }, cancel() { probe.closed.headWeb = true; } }); }
  badStatus(request: Request, response: Response) { request.sessionMap.set("kept", "badStatus"); response.status = 99; return file(); }
  badHeader(_r: Request, response: Response) { response.headers["x-bad"] = "a\\r\\nb"; return file(); }
  badStatusWeb(_r: Request, response: Response) { response.status = 1000; return new Response(Readable.toWeb(file()) as ReadableStream); }
  objectChunks(request: Request) { request.sessionMap.set("kept", "objectChunks"); const r = Readable.from([1, 2]); r.on("close", () => { probe.closed.objects = true; }); return r; }
  async *genObject(request: Request) { request.sessionMap.set("kept", "genObject"); try { yield { a: 1 }; } finally { probe.closed.genObject = true; } }
  async *lateFirst() {
    probe.entered = true;
    try { await probe.gate("lateFirst"); for (;;) yield "x".repeat(1024); } finally { probe.closed.lateFirst = true; }
  }
  lateReadable() {
    probe.enteredReadable = true;
    const r = new Readable({ read() { probe.gate("lateReadable").then(() => this.push("x".repeat(1024))); } });
    r.on("close", () => { probe.closed.lateReadable = true; });
    return r;
  }
  string(request: Request, response: Response) { framed(request, response); return "hello world"; }
  bytes(request: Request, response: Response) { framed(request, response); return Buffer.from("hello world"); }
  json(request: Request, response: Response) { framed(request, response); return { hello: "world" }; }
  fileAnswer(request: Request, response: Response) { framed(request, response); return response.file("public/hello.txt"); }
  stream(request: Request, response: Response) { framed(request, response); return Readable.from(["hello ", "world"]); }
  blob(request: Request, response: Response) { framed(request, response); return new Blob(["hello world"]); }
  web(request: Request) { return new Response("hello world", { headers: { [String(request.params.h)]: String(request.params.v) } }); }
  fileHeaders(_r: Request, response: Response) {
    Object.assign(response.headers, { "content-type": "text/x-mine", "cache-control": "max-age=60", etag: '"mine"' });
    return response.file("public/hello.txt");
  }
  badType(request: Request, response: Response) { request.sessionMap.set("kept", "badType"); return response.file("public/hello.txt", { type: "text/plain\\r\\nX-Evil: 1" }); }
  numberType(request: Request, response: Response) { request.sessionMap.set("kept", "numberType"); return response.file("public/hello.txt", { type: 42 as unknown as string }); }
  notFound(_r: Request, response: Response) { response.status = 404; return response.file("public/hello.txt"); }
  rooted(request: Request, response: Response) { return response.file(String(request.params.name), { root: "public" }); }
  proxy() { return fetch(probe.upstream); }
  login(request: Request) { request.sessionMap.set("kept", "login"); return "ok"; }
  sse(request: Request) {
    request.sessionMap.set("kept", "sse");
    probe.enteredSse = true;
    const body = new ReadableStream({ async pull(c) { await probe.gate("sse"); c.enqueue(new TextEncoder().encode("data: 1\\n\\n")); c.close(); } });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }
  readableSse(request: Request) {
    request.sessionMap.set("kept", "readableSse");
    probe.enteredReadableSse = true;
    return new Readable({ read() { probe.gate("readableSse").then(() => { this.push("data: 1\\n\\n"); this.push(null); }); } });
  }
  read(request: Request) { return String(request.sessionMap.get("kept", "nothing")); }
}
`;

interface Probe {
  closed: Record<string, boolean>;
  entered?: boolean;
  enteredReadable?: boolean;
  gate(key: string): Promise<void>;
  open: Record<string, () => void>;
  upstream?: string;
}
const gates = new Map<string, Promise<void>>();
const probe: Probe = {
  closed: {},
  open: {},
  gate: (key) => {
    const gate =
      gates.get(key) ??
      new Promise<void>((resolve) => {
        probe.open[key] = resolve;
      });
    gates.set(key, gate);
    return gate;
  },
};
(globalThis as { __releaseProbe?: Probe }).__releaseProbe = probe;

let app: TestApp;
let upstream: http.Server;
let hello: string;
beforeAll(async () => {
  upstream = http.createServer((_req, res) => {
    res.writeHead(200, {
      "Content-Type": "text/plain",
      "Content-Encoding": "gzip",
      Connection: "x-hop, keep-alive",
      "Keep-Alive": "timeout=5",
      "X-Hop": "1",
      "X-Kept": "1",
    });
    res.end(gzipSync("upstream body, decoded by fetch\n"));
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  probe.upstream = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}/`;
  app = await serveApp(
    {
      "src/root.ts": ROOT,
      "RootServer.cfg": "[session]\nstorageType = ram\n",
      "public/hello.txt": "hello static\n",
      "public/.env": "SECRET=1\n",
      "secret.txt": "outside the root\n",
    },
    { watch: true, liveReload: false },
  );
  symlinkSync(path.join(app.dir, "secret.txt"), path.join(app.dir, "public", "link.txt"));
  hello = realpathSync(path.join(app.dir, "public", "hello.txt"));
});
afterAll(async () => {
  for (const open of Object.values(probe.open)) open();
  await app.close();
  await new Promise((resolve) => upstream.close(resolve));
});

const get = (p: string, init?: RequestInit) => fetch(new URL(p, app.url), init);

/** Descriptors of this process (the server runs in it) open on public/hello.txt. */
function openOnHello(): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === hello) count++;
    } catch {
      // Closed while listed.
    }
  }
  return count;
}

/** Resolves once `check` holds; throws after 5 s. */
async function eventually(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !check(); await new Promise((r) => setTimeout(r, 20)))
    if (Date.now() > deadline) throw new Error(`still false after 5 s: ${check}`);
}

/** Sends `head` as is and returns the raw answer once the server closes. */
function raw(head: string): Promise<string> {
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

describe("streams cherry does not send are released", () => {
  it.each([
    ["HEAD", "/fileStream", "HEAD", 200],
    ["a status Node cannot send", "/badStatus", "GET", 500],
    ["an invalid header", "/badHeader", "GET", 500],
    ["a web Response with a status Node cannot send", "/badStatusWeb", "GET", 500],
  ])("closes a file stream after %s (no descriptor left per request)", async (_what, p, method, status) => {
    for (let i = 0; i < 10; i++) {
      const res = await get(p, { method });
      expect(res.status).toBe(status);
      await res.arrayBuffer();
    }
    await eventually(() => openOnHello() === 0);
  });

  it.each([
    ["/headReadable", "head"],
    ["/headWeb", "headWeb"],
  ])("answers HEAD to %s with its head only and releases the source", async (p, key) => {
    const res = await get(p, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    await eventually(() => probe.closed[key] === true);
  });

  it.each([
    ["/objectChunks", "objects", "got number"],
    ["/genObject", "genObject", "got Object"],
  ])(
    "answers %s, whose first chunk is not bytes, with an ordinary 500, saving nothing",
    async (p, key, message) => {
      const client = new Client(app.url);
      const res = await client.get(p);
      expect(res.status).toBe(500);
      expect(await res.text()).toContain(
        `a streamed chunk must be a string, Buffer or Uint8Array, ${message}`,
      );
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await client.text("/read")).toBe("nothing");
      expect(app.logger.lines.some((l) => l.startsWith(`access: GET ${p} 500`))).toBe(true);
      await eventually(() => probe.closed[key] === true);
    },
  );

  it.each([
    ["/lateFirst", "entered", "lateFirst"],
    ["/lateReadable", "enteredReadable", "lateReadable"],
  ])(
    "stops %s when the client left before its first chunk, and logs the request",
    async (p, entered, key) => {
      const { port, hostname } = new URL(app.url);
      const socket = net.connect(Number(port), hostname, () =>
        socket.write(`GET ${p} HTTP/1.1\r\nHost: localhost\r\n\r\n`),
      );
      socket.on("error", () => undefined);
      await eventually(() => (probe as unknown as Record<string, boolean>)[entered] === true);
      socket.destroy();
      // Let the server see the close before the first chunk comes (the order that once leaked the source).
      await new Promise((r) => setTimeout(r, 100));
      probe.open[key]();
      await eventually(() => probe.closed[key] === true);
      await eventually(() => app.logger.lines.some((l) => l.startsWith(`access: GET ${p} 200`)));
    },
  );
});

/** The header lines of a raw answer, names lowercased. */
function headerLines(answer: string): Array<[string, string]> {
  const head = answer.slice(0, answer.indexOf("\r\n\r\n"));
  return head
    .split("\r\n")
    .slice(1)
    .map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as [string, string];
    });
}

const named = (lines: Array<[string, string]>, name: string) => lines.filter(([n]) => n === name);

describe("framing headers are cherry's on every answer path", () => {
  const paths = ["/string", "/bytes", "/json", "/fileAnswer", "/stream", "/blob", "/web"];
  const headers: Array<[string, string]> = [
    ["content-length", "5"],
    ["Content-Length", "5"],
    ["CONTENT-LENGTH", "999"],
    ["transfer-encoding", "chunked"],
    ["Transfer-Encoding", "gzip, chunked"],
  ];
  it.each(paths.flatMap((p) => headers.map(([h, v]) => [p, h, v] as const)))(
    "%s with a handler's %s: %s sends one framing, the whole body",
    async (p, h, v) => {
      const answer = await raw(
        `GET ${p}?h=${encodeURIComponent(h)}&v=${encodeURIComponent(v)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      const lines = headerLines(answer);
      const lengths = named(lines, "content-length");
      const chunked = named(lines, "transfer-encoding");
      expect(lengths.length + chunked.length).toBe(1);
      if (chunked.length === 1) expect(chunked[0][1]).toBe("chunked");
      // Node's own client refuses a duplicate or conflicting framing; it reads this answer whole.
      const res = await get(`${p}?h=${encodeURIComponent(h)}&v=${encodeURIComponent(v)}`);
      expect((await res.text()).length).toBeGreaterThan(5);
    },
  );

  it("lets a handler's lowercase Content-Type and Cache-Control replace a file's, once each; the ETag stays cherry's", async () => {
    const lines = headerLines(
      await raw("GET /fileHeaders HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    );
    expect(named(lines, "content-type")).toEqual([["content-type", "text/x-mine"]]);
    expect(named(lines, "cache-control")).toEqual([["cache-control", "max-age=60"]]);
    expect(named(lines, "etag")).toHaveLength(1);
    expect(named(lines, "etag")[0][1]).not.toBe('"mine"');
    expect(named(lines, "content-length")).toEqual([["content-length", "13"]]);
  });
});

describe("response.file()", () => {
  it.each([
    ["/badType", "not a header value"],
    ["/numberType", "option type must be a string, got 42 (number)"],
  ])("refuses %s's type before the session is saved: a proper 500", async (p, message) => {
    const answer = await raw(`GET ${p} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
    const lines = headerLines(answer);
    expect(named(lines, "x-evil")).toEqual([]);
    expect(named(lines, "set-cookie")).toEqual([]);
    expect(answer).toContain(message);
  });

  it("sends the file with the handler's status (an error page)", async () => {
    const res = await get("/notFound");
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("hello static\n");
    const ranged = await get("/notFound", { headers: { range: "bytes=0-1" } });
    expect(ranged.status).toBe(404);
  });

  it.each([
    ["hello.txt", 200],
    ["sub/../hello.txt", 200],
    ["../RootServer.cfg", 404],
    ["../../../../etc/passwd", 404],
    ["/etc/passwd", 404],
    [".env", 404],
    ["link.txt", 404],
  ])("with root, serves %s: %s", async (name, status) => {
    const res = await get(`/rooted?name=${encodeURIComponent(name)}`);
    expect(res.status).toBe(status);
    const body = await res.text();
    if (status === 200) expect(body).toBe("hello static\n");
    else expect(body).toBe("The file for '/rooted' was not found.\n");
  });
});

describe("a fetch() Response forwarded", () => {
  it("is sent decoded without Content-Encoding, hop-by-hop headers or the upstream Date", async () => {
    const answer = await raw("GET /proxy HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    const lines = headerLines(answer);
    expect(named(lines, "content-encoding")).toEqual([]);
    expect(named(lines, "x-hop")).toEqual([]);
    expect(named(lines, "keep-alive")).toEqual([]);
    expect(named(lines, "connection")).toEqual([["connection", "close"]]);
    expect(named(lines, "date")).toHaveLength(1);
    expect(named(lines, "x-kept")).toEqual([["x-kept", "1"]]);
    const res = await get("/proxy");
    expect(await res.text()).toBe("upstream body, decoded by fetch\n");
  });
});

describe("a stream that runs no handler code frees the session before its first chunk", () => {
  it.each([
    ["/sse", "enteredSse", "sse"],
    ["/readableSse", "enteredReadableSse", "readableSse"],
  ])(
    "%s: the same user's next request is answered while it waits, with the session saved",
    async (p, entered, key) => {
      const client = new Client(app.url);
      expect(await client.text("/login")).toBe("ok");
      const pending = client.get(p);
      await eventually(() => (probe as unknown as Record<string, boolean>)[entered] === true);
      const blocked = new Promise<string>((resolve) =>
        setTimeout(() => resolve("still locked after 5 s"), 5000),
      );
      expect(await Promise.race([client.text("/read"), blocked])).toBe(key);
      probe.open[key]();
      expect(await (await pending).text()).toBe("data: 1\n\n");
    },
  );
});
