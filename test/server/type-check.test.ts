/**
 * Background type checking in watch mode: TypeScript's own checker in a child process below the
 * server's priority, errors with file:line:column and a code frame in the terminal and on the
 * live-reload channel, a clear word when they are fixed, and where `typescript` comes from.
 */
import { mkdirSync, readdirSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findTypeScript, startTypeChecker } from "../../src/server/type-check.js";
import { captureLogger, serveApp, type TestApp } from "../helpers/app.js";
import { ROOT } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const GOOD = `import type { Request } from "cherry";
export default class Root {
  index(request: Request): string {
    const count: number = request.sessionMap.get("pageViews", 0) + 1;
    request.sessionMap.set("pageViews", count);
    return "been here " + count;
  }
}
`;
const BAD = GOOD.replace("const count: number =", "const count: boolean =");

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Reads server-sent events from the live-reload stream until `until` matches what was read. */
async function readEvents(url: string, until: RegExp): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(new URL("/__cherry/live", url), { signal: controller.signal });
  const reader = res.body?.getReader();
  let seen = "";
  try {
    while (!until.test(seen)) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      seen += new TextDecoder().decode(chunk.value);
    }
  } finally {
    controller.abort();
  }
  return seen;
}

describe("the background type checker", () => {
  it("reports an error with file:line:column and a code frame, on the terminal and the live channel, then says it is fixed", async () => {
    app = await serveApp(
      { "src/root.ts": GOOD, "RootServer.cfg": "[session]\nstorageType = ram\n" },
      {
        watch: true,
        typeCheck: true,
      },
    );
    const checker = app.server.typeChecker;
    expect(checker?.typescript.from).toBe("cherry");
    // Its own process, below the server's priority: a reload never waits for it.
    expect(checker?.pid).toBeGreaterThan(0);
    expect(checker?.pid).not.toBe(process.pid);
    expect(os.getPriority(checker?.pid)).toBeGreaterThan(os.getPriority());
    expect(await checker?.nextReport()).toEqual([]);
    expect(
      app.logger.lines.some((l) =>
        /\[types\] no type errors \(TypeScript \d+\.\d+\.\d+ from cherry, checked in \d+ ms\)/.test(l),
      ),
    ).toBe(true);

    const report = checker?.nextReport();
    app.write("src/root.ts", BAD);
    const errors = (await report) ?? [];
    expect(errors).toHaveLength(1);
    expect(errors[0].where).toBe("src/root.ts:4:11");
    expect(errors[0].code).toBe(2322);
    expect(errors[0].message).toBe("Type 'number' is not assignable to type 'boolean'.");
    expect(errors[0].frame).toContain("> 4 |     const count: boolean = request.sessionMap.get");
    expect(errors[0].frame).toMatch(/\|\s{11}\^/);
    const logged = app.logger.lines.join("\n");
    expect(logged).toContain("[types] 1 type error (checked in");
    expect(logged).toContain(
      "src/root.ts:4:11 - error TS2322: Type 'number' is not assignable to type 'boolean'.\n",
    );
    // The app itself still serves: esbuild strips types, the checker only reports.
    expect(await (await fetch(app.url)).text()).toMatch(/^been here 1/);

    // A page that connects now gets the standing errors at once.
    const events = await readEvents(app.url, /event: typecheck/);
    expect(events).toContain("event: hello");
    const data = JSON.parse(/event: typecheck\ndata: (.*)/.exec(events)?.[1] ?? "{}");
    expect(data.fixed).toBe(false);
    expect(data.errors[0].where).toBe("src/root.ts:4:11");

    const fixedReport = checker?.nextReport();
    const fixedEvent = readEvents(app.url, /"fixed":true/);
    app.write("src/root.ts", GOOD);
    expect(await fixedReport).toEqual([]);
    expect(app.logger.lines.some((l) => l.includes("[types] type errors fixed"))).toBe(true);
    // Said at once, before the first (slow) check: silence is never mistaken for "no errors".
    expect(app.logger.lines[0]).toMatch(/^info: \[types\] checking in the background/);
    expect(await fixedEvent).toContain('event: typecheck\ndata: {"errors":[],"fixed":true}');
  }, 120_000);

  it("uses the app's tsconfig.json with its own paths, checks imported files, and points cherry at the running one", async () => {
    // The paths come from a base config it extends: cherry keeps them and adds its own "cherry".
    const base = {
      compilerOptions: {
        // A stale absolute path, as a moved checkout leaves it: cherry replaces it with its own.
        paths: { cherry: ["/nonexistent/cherry/dist/index.d.ts"], "#lib/*": ["./src/lib/*"] },
      },
    };
    const tsconfig = {
      extends: "./tsconfig.base.json",
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        // Would write a .tsbuildinfo into the app; the checker turns it off.
        incremental: true,
      },
      include: ["src"],
    };
    app = await serveApp(
      {
        "tsconfig.json": JSON.stringify(tsconfig),
        "tsconfig.base.json": JSON.stringify(base),
        "src/lib/price.ts": "export function price(n: number): string {\n  return n.toFixed(2);\n}\n",
        "src/root.ts": `import type { Request } from "cherry";\nimport { price } from "#lib/price.js";\nexport default class Root {\n  index(request: Request) { return price(request.sessionMap.size); }\n}\n`,
      },
      { watch: true, typeCheck: true },
    );
    const checker = app.server.typeChecker;
    expect(await checker?.nextReport()).toEqual([]);
    const report = checker?.nextReport();
    app.write(
      "src/lib/price.ts",
      'export function price(n: number): string {\n  return n.toFixed("2");\n}\n',
    );
    const errors = (await report) ?? [];
    expect(errors.map((e) => `${e.where} TS${e.code}`)).toEqual(["src/lib/price.ts:2:20 TS2345"]);
    expect(errors[0].frame).toContain('> 2 |   return n.toFixed("2");');
    // Nothing written into the app: no build output, no .tsbuildinfo (node_modules/.cache is the bundle's).
    const files = readdirSync(app.dir, { recursive: true, encoding: "utf8" }).filter(
      (f) => !f.startsWith("node_modules"),
    );
    expect(files.sort()).toEqual([
      "RootServer.cfg",
      "src",
      "src/lib",
      "src/lib/price.ts",
      "src/root.ts",
      "tsconfig.base.json",
      "tsconfig.json",
    ]);
  }, 120_000);
});

describe("a tsconfig.json with a mistake", () => {
  it("is reported like any type error, at its line", async () => {
    app = await serveApp(
      {
        "tsconfig.json":
          '{\n  "compilerOptions": {\n    "strict": "yes",\n    "noEmit": true,\n    "skipLibCheck": true\n  },\n  "include": ["src"]\n}\n',
      },
      { watch: true, typeCheck: true },
    );
    const errors = (await app.server.typeChecker?.nextReport()) ?? [];
    expect(errors.map((e) => `${e.where} TS${e.code}`)).toEqual(["tsconfig.json:3:15 TS5024"]);
    expect(errors[0].message).toBe("Compiler option 'strict' requires a value of type boolean.");
  }, 120_000);
});

describe("where typescript comes from", () => {
  it("takes the app's own first, then cherry's, and says once how to enable checking when neither has it", async () => {
    const withOwn = tempDir({ "package.json": "{}" });
    mkdirSync(path.join(withOwn, "node_modules"));
    symlinkSync(path.join(ROOT, "node_modules/typescript"), path.join(withOwn, "node_modules/typescript"));
    // (Node resolves the link to its target, so only the origin tells the two apart.)
    expect(findTypeScript(withOwn)?.from).toBe("app");

    const bare = tempDir({ "package.json": "{}" });
    expect(findTypeScript(bare)).toMatchObject({ from: "cherry", version: expect.stringMatching(/^\d+\./) });

    // A JavaScript app without tsconfig.json: nothing to check, nothing said.
    const js = { appDir: bare, entry: path.join(bare, "src/root.js"), logger: captureLogger() };
    expect(startTypeChecker(js)).toBeUndefined();
    expect(js.logger.lines).toEqual([]);

    // Neither: cherry installed without its devDependencies (a package tarball) and a bare app.
    const nowhere = path.join(tempDir(), "cherry.js");
    expect(findTypeScript(bare, nowhere)).toBeUndefined();
    const logger = captureLogger();
    const options = { appDir: bare, entry: path.join(bare, "src/root.ts"), logger, cherryDir: nowhere };
    expect(startTypeChecker(options)).toBeUndefined();
    expect(startTypeChecker(options)).toBeUndefined();
    const said = logger.lines.filter((l) => l.includes("type checking is off"));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain("npm install -D typescript");
  }, 120_000);
});
