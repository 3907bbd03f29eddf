/**
 * End to end in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
 * browser). Screenshots land in test-artifacts/ (not committed).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { cherry, ROOT } from "../helpers/cli.js";
import { chromium, describeWithService } from "../helpers/services.js";
import { startCli } from "../helpers/spawn.js";
import { tempDir } from "../helpers/tmp.js";

const ARTIFACTS = path.join(ROOT, "test-artifacts");
const browserService = await chromium();

describeWithService("browser end to end (chromium)", browserService, () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium(browserService.path);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function scaffold(template: string): Promise<string> {
    const cwd = tempDir();
    const result = await cherry(["init", "app", "-t", template], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    const dir = path.join(cwd, "app");
    const cfg = path.join(dir, "RootServer.cfg");
    writeFileSync(cfg, readFileSync(cfg, "utf8").replace("socketPort = 8000", "socketPort = 0"));
    return dir;
  }

  it("counts, hot-reloads with the session kept, shows a broken file and recovers", async () => {
    const dir = await scaffold("counter");
    const server = await startCli(["serve", "-c", path.join(dir, "RootServer.cfg")], dir);
    const page = await browser.newPage();
    try {
      for (let i = 1; i <= 3; i++) await page.goto(server.url);
      await expect.poll(() => page.textContent("body")).toContain("3 time(s)");
      await page.screenshot({ path: path.join(ARTIFACTS, "counter-3.png") });

      const source = path.join(dir, "src/root.ts");
      const original = readFileSync(source, "utf8");
      writeFileSync(source, original.replace("Hello, you've been here", "Welcome back, you've been here"));
      await page.waitForFunction(() => document.body.textContent?.includes("Welcome back"), undefined, {
        timeout: 2000,
      });
      expect(await page.textContent("body")).toContain("4 time(s)");
      await page.screenshot({ path: path.join(ARTIFACTS, "counter-reloaded.png") });

      const lines = original.split("\n");
      const broken = lines.findIndex((l) => l.includes("request.sessionMap.set"));
      lines[broken] = '    request.sessionMap.set("pageViews", count;';
      writeFileSync(source, lines.join("\n"));
      await page.waitForFunction(() => document.body.textContent?.includes("Build failed"), undefined, {
        timeout: 2000,
      });
      expect(await page.textContent("body")).toContain(`src/root.ts:${broken + 1}:`);
      await page.screenshot({ path: path.join(ARTIFACTS, "counter-broken.png") });

      writeFileSync(source, original);
      await page.waitForFunction(
        () => document.body.textContent?.includes("Hello, you've been here"),
        undefined,
        { timeout: 2000 },
      );
      expect(await page.textContent("body")).toContain("5 time(s)");
    } finally {
      await page.close();
      await server.stop();
    }
  });

  it("submits a form with a text field and a file input (two files, one over 1 MiB)", async () => {
    const dir = await scaffold("counter");
    writeFileSync(
      path.join(dir, "src/root.ts"),
      `import type { Request } from "cherry";
export default class Root {
  index() {
    return \`<form method="post" action="/upload" enctype="multipart/form-data">
      <input id="name" name="name"><input id="files" type="file" name="upload" multiple>
      <button id="send">Send</button></form>\`;
  }
  async upload(request: Request) {
    request.sessionMap.set("uploads", request.files.length);
    const rows = [];
    for (const f of request.files)
      rows.push(\`<li>\${f.field} \${f.filename} \${f.type} \${f.size} \${f.path ? "disk" : "memory"} \${(await f.bytes()).subarray(0, 5).toString()}</li>\`);
    return \`<p id="who">\${request.params.name}</p><ul id="files">\${rows.join("")}</ul>\`;
  }
}
`,
    );
    const notes = path.join(dir, "notes.txt");
    const big = path.join(dir, "big.bin");
    writeFileSync(notes, "hello from a file input\n");
    writeFileSync(big, Buffer.alloc(1536 * 1024, "z"));
    const server = await startCli(["serve", "-c", path.join(dir, "RootServer.cfg")], dir);
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.fill("#name", "ada");
      await page.setInputFiles("#files", [notes, big]);
      await page.click("#send");
      await expect.poll(() => page.textContent("#who")).toBe("ada");
      const items = await page.locator("#files li").allTextContents();
      expect(items).toEqual([
        "upload notes.txt text/plain 24 memory hello",
        `upload big.bin application/octet-stream ${1536 * 1024} disk zzzzz`,
      ]);
      await page.screenshot({ path: path.join(ARTIFACTS, "upload-result.png") });
    } finally {
      await page.close();
      await server.stop();
    }
  });

  it("logs in with a new session id and logs out with the cookie gone", async () => {
    const dir = await scaffold("login");
    const server = await startCli(["serve", "-c", path.join(dir, "RootServer.cfg")], dir);
    const context = await browser.newContext();
    const page = await context.newPage();
    const sessionCookie = async () => (await context.cookies()).find((c) => c.name === "CherryPySession");
    try {
      await page.goto(server.url);
      // The form says which account to try, and its stylesheet is applied (not the browser's defaults).
      expect(await page.textContent("#demo")).toMatch(/ada.*lovelace/);
      const styled = await page.evaluate(() => ({
        button: getComputedStyle(document.querySelector("#login") as Element).backgroundColor,
        card: getComputedStyle(document.querySelector("main") as Element).boxShadow,
        font: getComputedStyle(document.body).fontFamily,
      }));
      expect(styled.button).toBe("rgb(59, 111, 216)");
      expect(styled.card).not.toBe("none");
      expect(styled.font).toContain("system-ui");
      await page.screenshot({ path: path.join(ARTIFACTS, "login-form.png") });
      await page.fill("#name", "ada");
      await page.fill("#password", "wrong");
      await page.click("#login");
      await expect.poll(() => page.textContent("body")).toContain("Wrong name or password");
      // A session that exists before login (planted or not) must not survive it.
      const before = (await context.request.get(`${server.url}/`)).headers()["set-cookie"];
      await context.addCookies([{ name: "CherryPySession", value: "f".repeat(40), url: server.url }]);
      await page.fill("#name", "ada");
      await page.fill("#password", "lovelace");
      await page.click("#login");
      await expect.poll(() => page.textContent("#who")).toContain("Logged in as ada");
      const loggedIn = await sessionCookie();
      expect(loggedIn?.value).toMatch(/^[0-9a-f]{40}$/);
      expect(loggedIn?.value).not.toBe("f".repeat(40));
      expect(loggedIn?.httpOnly).toBe(true);
      expect(loggedIn?.sameSite).toBe("Lax");
      expect(before).toBeUndefined();
      await page.goto(`${server.url}/secret`);
      expect(await page.textContent("#secret")).toContain("ada");
      await page.screenshot({ path: path.join(ARTIFACTS, "login-secret.png") });
      await page.goto(server.url);
      await page.click("#logout");
      await expect.poll(() => page.textContent("body")).toContain("Log in");
      expect(await sessionCookie()).toBeUndefined();
      const secret = await page.goto(`${server.url}/secret`);
      expect(secret?.status()).toBe(401);
    } finally {
      await context.close();
      await server.stop();
    }
  });
});
