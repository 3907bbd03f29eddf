/**
 * multipart/form-data (RFC 7578) from real clients: fetch with a FormData body, `curl -F`, and a raw
 * socket for aborted uploads. Text fields join request.params; files are UploadedFile, in memory up to
 * 1 MiB and in a temp file above it that is gone once the response is sent.
 */

import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UploadFolder } from "../../src/server/upload.js";
import { serveApp, type TestApp } from "../helpers/app.js";
import { tempDir } from "../helpers/tmp.js";

const ROOT = `
import { createHash } from "node:crypto";
import type { Request } from "cherry";
const sha = (b) => createHash("sha256").update(b).digest("hex");
export default class Root {
  async upload(request: Request) {
    const files = [];
    for (const f of request.files) {
      const bytes = await f.bytes();
      let streamed = 0;
      for await (const chunk of f.stream()) streamed += chunk.length;
      files.push({ field: f.field, filename: f.filename, type: f.type, size: f.size, path: f.path ?? null,
        onDisk: f.path !== undefined, sha: sha(bytes), streamed, same: request.params[f.field] === f });
    }
    const fields = {};
    for (const [k, v] of Object.entries(request.params)) if (typeof v === "string" || Array.isArray(v)) fields[k] = v;
    return { fields, files, body: request.body.length };
  }
}
`;

const MIB = 1024 * 1024;
let app: TestApp;
beforeAll(async () => {
  app = await serveApp({
    "src/root.ts": ROOT,
    "RootServer.cfg": `[server]\nmaxRequestBodySize = ${4 * MIB}\nmaxFileUploads = 3\nmaxFormFields = 4\nmaxFileSize = ${2 * MIB}\n`,
  });
});
afterAll(() => app.close());

const small = Buffer.from("first line\nsecond line\n");
const big = randomBytes(MIB + MIB / 2);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

interface Uploaded {
  fields: Record<string, string | string[]>;
  files: Array<{
    field: string;
    filename: string;
    type: string;
    size: number;
    path: string | null;
    onDisk: boolean;
    sha: string;
    streamed: number;
    same: boolean;
  }>;
  body: number;
}

function expectTwoFieldsTwoFiles(result: Uploaded) {
  expect(result.fields).toEqual({ name: "ada", note: "héllo wörld" });
  expect(result.body).toBe(0);
  const [notes, photo] = result.files;
  expect(notes).toMatchObject({
    field: "notes",
    filename: "notes.txt",
    type: "text/plain",
    size: small.length,
    onDisk: false,
    sha: sha(small),
    streamed: small.length,
    same: true,
  });
  expect(photo).toMatchObject({
    field: "photo",
    filename: "çà photo.png",
    type: "image/png",
    size: big.length,
    onDisk: true,
    sha: sha(big),
    streamed: big.length,
    same: true,
  });
}

/** Resolves once `check` holds; throws after 5 s (cleanup runs after the response, not before it). */
async function eventually(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !check(); await new Promise((r) => setTimeout(r, 20)))
    if (Date.now() > deadline) throw new Error(`still false after 5 s: ${check}`);
}

describe("multipart/form-data bodies", () => {
  it("gives a FormData body's text fields and files to the handler, the large file in a temp file removed after the response", async () => {
    const form = new FormData();
    form.append("name", "ada");
    form.append("note", "héllo wörld");
    form.append("notes", new Blob([small], { type: "text/plain" }), "notes.txt");
    form.append("photo", new Blob([big], { type: "image/png" }), "çà photo.png");
    const res = await fetch(new URL("/upload", app.url), { method: "POST", body: form });
    expect(res.status).toBe(200);
    const result = (await res.json()) as Uploaded;
    expectTwoFieldsTwoFiles(result);
    const temp = result.files[1].path as string;
    await eventually(() => !existsSync(temp));
  });

  it("reads `curl -F` uploads the same way", async () => {
    const dir = app.dir;
    writeFileSync(path.join(dir, "notes.txt"), small);
    writeFileSync(path.join(dir, "photo.png"), big);
    const { stdout } = await execa(
      "curl",
      [
        "-sS",
        "-F",
        "name=ada",
        "-F",
        "note=héllo wörld",
        "-F",
        "notes=@notes.txt;type=text/plain",
        "-F",
        "photo=@photo.png;type=image/png;filename=çà photo.png",
        new URL("/upload", app.url).href,
      ],
      { cwd: dir },
    );
    const result = JSON.parse(stdout) as Uploaded;
    expectTwoFieldsTwoFiles(result);
    await eventually(() => !existsSync(result.files[1].path as string));
  });

  it("turns a repeated field into an array, lets the body win over the query, and skips an empty file input", async () => {
    const form = new FormData();
    form.append("tag", "a");
    form.append("tag", "b");
    form.append("name", "body");
    form.append("empty", new Blob([]), "");
    const res = await fetch(new URL("/upload?name=query", app.url), { method: "POST", body: form });
    const result = (await res.json()) as Uploaded;
    expect(result.fields).toEqual({ tag: ["a", "b"], name: "body" });
    expect(result.files).toEqual([]);
  });

  it("keeps only the last segment of a file name with folders in it", async () => {
    const form = new FormData();
    form.append("a", new Blob(["1"]), "C:\\Users\\ada\\notes.txt");
    form.append("b", new Blob(["2"]), "../../etc/passwd");
    const result = (await (
      await fetch(new URL("/upload", app.url), { method: "POST", body: form })
    ).json()) as Uploaded;
    expect(result.files.map((f) => f.filename)).toEqual(["notes.txt", "passwd"]);
  });

  it("answers a malformed multipart body (no boundary) with 400", async () => {
    const res = await fetch(new URL("/upload", app.url), {
      method: "POST",
      headers: { "content-type": "multipart/form-data" },
      body: "x",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/malformed multipart\/form-data/);
  });
});

describe("upload limits (413 with a message)", () => {
  const post = (form: FormData) => fetch(new URL("/upload", app.url), { method: "POST", body: form });
  const files = (n: number) => {
    const form = new FormData();
    for (let i = 0; i < n; i++) form.append(`f${i}`, new Blob(["x"]), `f${i}.txt`);
    return form;
  };

  it.each([
    ["more files than maxFileUploads", () => files(4), /more than 3 files/],
    [
      "more fields than maxFormFields",
      () => {
        const form = new FormData();
        for (let i = 0; i < 5; i++) form.append(`k${i}`, "v");
        return form;
      },
      /more than 4 form fields/,
    ],
    [
      "a text field over 1 MiB",
      () => {
        const form = new FormData();
        form.append("long", "x".repeat(MIB + 1));
        return form;
      },
      /form field "long" over 1048576 bytes/,
    ],
    [
      "a file over maxFileSize",
      () => {
        const form = new FormData();
        form.append("f", new Blob([Buffer.alloc(2 * MIB + 1)]), "big.bin");
        return form;
      },
      /file "big.bin" over 2097152 bytes/,
    ],
    [
      "a body over maxRequestBodySize",
      () => {
        const form = new FormData();
        form.append("f", new Blob([Buffer.alloc(4 * MIB)]), "big.bin");
        return form;
      },
      /request body over 4194304 bytes/,
    ],
  ])("refuses %s", async (_name, make, message) => {
    const res = await post(make());
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(message);
    expect(files(3) && (await post(files(3))).status).toBe(200);
  });
});

describe("the upload folder", () => {
  it("removes the folders of cherry processes that died, and nothing else", () => {
    const parent = tempDir();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid as number;
    const alive = spawn("sleep", ["30"]);
    try {
      const folders = [
        `cherry-uploads-${dead}-abcdef`,
        `cherry-uploads-${alive.pid}-abcdef`,
        "cherry-uploads-notes",
      ];
      for (const name of folders) {
        mkdirSync(path.join(parent, name));
        writeFileSync(path.join(parent, name, "upload-0"), "x");
      }
      const folder = new UploadFolder(parent);
      const first = folder.next();
      expect(path.basename(path.dirname(first))).toMatch(
        new RegExp(`^cherry-uploads-${process.pid}-\\w{6}$`),
      );
      expect(readdirSync(parent).sort()).toEqual(
        [path.basename(path.dirname(first)), ...folders.slice(1)].sort(),
      );
      folder.remove();
      expect(readdirSync(parent).sort()).toEqual(folders.slice(1).sort());
    } finally {
      alive.kill();
    }
  });
});

describe("temp files of failed uploads", () => {
  let folder: string;
  beforeAll(async () => {
    const form = new FormData();
    form.append("photo", new Blob([big]), "photo.bin");
    const result = (await (
      await fetch(new URL("/upload", app.url), { method: "POST", body: form })
    ).json()) as Uploaded;
    folder = path.dirname(result.files[0].path as string);
    await eventually(() => readdirSync(folder).length === 0);
  });

  /** Sends a multipart head and `bytes` of one file part over a raw socket, without ever finishing it. */
  function startUpload(bytes: number, declared: number): net.Socket {
    const { port, hostname } = new URL(app.url);
    const socket = net.connect(Number(port), hostname);
    socket.on("error", () => undefined);
    const boundary = "----cherry-test";
    socket.write(
      `POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
        `Content-Length: ${declared}\r\n\r\n--${boundary}\r\n` +
        'Content-Disposition: form-data; name="f"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n',
    );
    socket.write(Buffer.alloc(bytes, 7));
    return socket;
  }

  it("leaves no temp file when the client goes away mid-upload", async () => {
    const socket = startUpload(MIB + MIB / 2, 3 * MIB);
    await eventually(() => readdirSync(folder).length === 1); // the part spilled to disk
    socket.destroy();
    await eventually(() => readdirSync(folder).length === 0);
  });

  it("makes its folder again when a temp cleaner removed it", async () => {
    rmSync(folder, { recursive: true });
    const form = new FormData();
    form.append("photo", new Blob([big]), "photo.bin");
    const res = await fetch(new URL("/upload", app.url), { method: "POST", body: form });
    const result = (await res.json()) as Uploaded;
    expect(result.files[0]).toMatchObject({ onDisk: true, sha: sha(big) });
    folder = path.dirname(result.files[0].path as string);
    await eventually(() => readdirSync(folder).length === 0);
  });

  it("leaves no temp file when an upload on disk goes over maxFileSize", async () => {
    const socket = startUpload(2 * MIB + 1024, 3 * MIB);
    // The answer comes at once; the socket stays open a while for the rest of the body (lingering).
    const answer = await new Promise<string>((resolve) => {
      let data = "";
      socket.on("data", (chunk) => {
        data += chunk;
        if (data.includes("\r\n\r\n")) resolve(data);
      });
    });
    socket.destroy();
    expect(answer).toMatch(/^HTTP\/1.1 413/);
    await eventually(() => readdirSync(folder).length === 0);
  });
});
