/**
 * `import type { Request, Response } from "cherry"` describes uploads and return values: the README's
 * examples type-check against the built types (dist/index.d.ts), and misuse does not.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const TSC = path.join(ROOT, "node_modules/.bin/tsc");

const APP = `import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import type { Request, Response, UploadedFile } from "cherry";

export default class Root {
  async upload(request: Request) {
    const photo: UploadedFile | undefined = request.params.photo;
    if (photo) await writeFile(\`photos/\${randomUUID()}\`, await photo.bytes());
    const first = request.files[0];
    const described = first && [first.field, first.filename, first.type, first.size, first.path ?? ""];
    return { title: request.params.title, described, text: await first?.text(), stream: first?.stream().readable };
  }
  async *report(request: Request) {
    request.sessionMap.set("lastReport", Date.now());
    yield "<ul>";
    yield "</ul>";
  }
  created() {
    return globalThis.Response.json({ id: 7 }, { status: 201 });
  }
  invoice(_request: Request, response: Response) {
    return response.file("invoices/7.pdf", { download: "invoice-7.pdf" });
  }
  typed(_request: Request, response: Response) {
    return response.file("a.bin", { type: "application/x-thing", download: true });
  }
}
`;

function typeCheck(source: string): string {
  const dir = tempDir({
    "src/root.ts": source,
    "tsconfig.json": JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [path.join(ROOT, "node_modules/@types")],
        paths: { cherry: [path.join(ROOT, "dist/index.d.ts")] },
      },
      include: ["src"],
    }),
  });
  try {
    execFileSync(TSC, ["-p", path.join(dir, "tsconfig.json")], { stdio: "pipe" });
    return "";
  } catch (error) {
    return String((error as { stdout?: Buffer }).stdout ?? error);
  }
}

describe("the Request and Response types", () => {
  it("accept the README's upload, stream, web Response and file examples", () => {
    expect(typeCheck(APP)).toBe("");
  });

  it("reject misuse: an UploadedFile field that does not exist, writing request.files, an unknown file option", () => {
    const bad = ["request.files[0].name;", "request.files = [];", 'response.file("x", { inline: true });'];
    const source = APP.replace(
      "  created() {",
      `${bad.map((line, i) => `  bad${i}(request: Request, response: Response) { ${line} }\n`).join("")}  created() {`,
    );
    const output = typeCheck(source);
    const lines = [...output.matchAll(/root\.ts\((\d+),\d+\): error TS/g)].map((m) => Number(m[1]));
    const first = source.split("\n").findIndex((l) => l.includes("bad0(")) + 1;
    expect(lines).toEqual([first, first + 1, first + 2]);
  });
});
