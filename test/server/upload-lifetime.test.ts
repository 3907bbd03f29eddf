/**
 * Uploads and early answers: temp files live until the handler settled and its
 * answer was sent, and no early answer (a query string over its limit) leaves one; an over-limit body
 * reaches a client in another process as a 413, not a broken pipe; empty file inputs are not files;
 * nameless parts and folder-only file names keep their content; a malformed part is a 400 saying so.
 */
import { readdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApp, type TestApp } from "../helpers/app.js";

const ROOT = `
import type { Request } from "cherry";
const probe = (globalThis as any).__uploadProbe;
export default class Root {
  async upload(request: Request) {
    const files = [];
    for (const f of request.files) files.push({ field: f.field, filename: f.filename, size: f.size, path: f.path ?? null, text: f.size < 100 ? await f.text() : "" });
    return { files, params: Object.keys(request.params) };
  }
  async slowUpload(request: Request) {
    probe.entered = true;
    await probe.gate;
    try { probe.read = (await request.files[0].bytes()).length; } catch (error) { probe.read = String(error); }
    return "done";
  }
}
`;

const MIB = 1024 * 1024;
interface Probe {
  entered?: boolean;
  read?: number | string;
  gate: Promise<void>;
}
let open!: () => void;
const probe: Probe = {
  gate: new Promise<void>((resolve) => {
    open = resolve;
  }),
};
(globalThis as { __uploadProbe?: Probe }).__uploadProbe = probe;

let app: TestApp;
let folder: string;
beforeAll(async () => {
  app = await serveApp({
    "src/root.ts": ROOT,
    "RootServer.cfg": "[server]\nmaxRequestBodySize = 3000000\nmaxFileUploads = 2\n",
  });
  const form = new FormData();
  form.append("big", new Blob([Buffer.alloc(MIB + 1)]), "big.bin");
  const result = (await (
    await fetch(new URL("/upload", app.url), { method: "POST", body: form })
  ).json()) as {
    files: Array<{ path: string }>;
  };
  folder = path.dirname(result.files[0].path);
  await eventually(() => readdirSync(folder).length === 0);
});
afterAll(async () => {
  open();
  await app.close();
});

/** Resolves once `check` holds; throws after 5 s. */
async function eventually(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !check(); await new Promise((r) => setTimeout(r, 20)))
    if (Date.now() > deadline) throw new Error(`still false after 5 s: ${check}`);
}

/** A multipart body made by hand (FormData cannot send an empty file name or a nameless part). */
function multipart(parts: Array<{ disposition: string; content: string | Buffer }>): {
  body: Buffer;
  type: string;
} {
  const boundary = "----cherry-review";
  const chunks: Buffer[] = [];
  for (const part of parts)
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${part.disposition}\r\nContent-Type: application/octet-stream\r\n\r\n`,
        "latin1",
      ),
      Buffer.from(part.content),
      Buffer.from("\r\n"),
    );
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

const post = (p: string, { body, type }: { body: Buffer; type: string }) =>
  fetch(new URL(p, app.url), {
    method: "POST",
    body: new Uint8Array(body),
    headers: { "content-type": type },
  });

describe("temp files of uploads", () => {
  it("leaves none when the query string is over its limit after a large upload was read", async () => {
    const query = Array.from({ length: 1001 }, (_, i) => `k${i}=v`).join("&");
    for (const name of ["a.bin", "b.bin"]) {
      const form = new FormData();
      form.append("upload", new Blob([Buffer.alloc(MIB + 1024)]), name);
      const res = await fetch(new URL(`/upload?${query}`, app.url), { method: "POST", body: form });
      expect(res.status).toBe(413);
      expect(await res.text()).toMatch(/query string/);
    }
    await eventually(() => readdirSync(folder).length === 0);
  });

  it("keeps them while the handler runs after the client left, and removes them once it settled", async () => {
    const { body, type } = multipart([
      { disposition: 'form-data; name="f"; filename="big.bin"', content: Buffer.alloc(MIB + 4096, 1) },
    ]);
    const { port, hostname } = new URL(app.url);
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(
        `POST /slowUpload HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      socket.write(body);
    });
    socket.on("error", () => undefined);
    await eventually(() => probe.entered === true);
    socket.destroy();
    // Let the server see the close while the handler still waits (the order that once lost the file).
    await new Promise((r) => setTimeout(r, 100));
    open();
    await eventually(() => probe.read !== undefined);
    expect(probe.read).toBe(MIB + 4096);
    await eventually(() => readdirSync(folder).length === 0);
  });
});

describe("an over-limit body from a client in another process", () => {
  const client = `
const [url, kind, size] = process.argv.slice(1);
const bytes = new Uint8Array(Number(size));
const body = kind === "form" ? (() => { const f = new FormData(); f.append("f", new Blob([bytes]), "big.bin"); return f; })()
  : new URLSearchParams({ a: "x".repeat(Number(size)) });
try { const res = await fetch(url, { method: "POST", body }); console.log(res.status, (await res.text()).trim()); }
catch (error) { console.log("failed", error.cause?.code ?? error.message); }
`;
  it.each([
    ["form", 3.5 * MIB],
    ["form", 30 * MIB],
    ["urlencoded", 3.5 * MIB],
    ["urlencoded", 30 * MIB],
  ])("gets the 413 for a %s body of %d bytes, not a broken pipe", async (kind, size) => {
    const { stdout } = await execa(
      process.execPath,
      ["--input-type=module", "-e", client, new URL("/upload", app.url).href, kind, String(size)],
      { timeout: 60_000 },
    );
    expect(stdout).toBe("413 request body over 3000000 bytes");
  });
});

describe("multipart parts", () => {
  it("does not count file inputs left empty against maxFileUploads", async () => {
    const empty = { disposition: 'form-data; name="e"; filename=""', content: "" };
    const res = await post(
      "/upload",
      multipart([
        empty,
        empty,
        empty,
        { disposition: 'form-data; name="f"; filename="a.txt"', content: "A" },
      ]),
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { files: unknown[] }).files).toHaveLength(1);
    const over = multipart(
      ["a", "b", "c"].map((n) => ({ disposition: `form-data; name="f"; filename="${n}.txt"`, content: n })),
    );
    expect((await post("/upload", over)).status).toBe(413);
  });

  it.each([
    ['form-data; filename="nameless.txt"', "", "nameless.txt"],
    ['form-data; name="f"; filename=".."', "f", ""],
    ['form-data; name="f"; filename="."', "f", ""],
    ['form-data; name="f"; filename="folder/"', "f", ""],
    ['form-data; name="f"; filename="C:\\\\docs\\\\..\\\\x.txt"', "f", "x.txt"],
  ])("keeps the content of a part with %s: field %j, filename %j", async (disposition, field, filename) => {
    const res = await post("/upload", multipart([{ disposition, content: "kept" }]));
    expect(res.status).toBe(200);
    const result = (await res.json()) as {
      files: Array<{ field: string; filename: string; text: string }>;
      params: string[];
    };
    expect(result.files).toEqual([expect.objectContaining({ field, filename, text: "kept" })]);
    expect(result.params).not.toContain("undefined");
  });

  it.each([['form-data; name="f"; filename="a\0b.txt"'], ['form-data; name="f"\r\nBroken header line']])(
    "answers a malformed part header (%j) with a 400 saying so",
    async (disposition) => {
      const res = await post("/upload", multipart([{ disposition, content: "x" }]));
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/^malformed multipart\/form-data/);
    },
  );
});
