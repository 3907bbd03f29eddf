/**
 * The developer's pages in a real browser (Debian's Chromium through playwright-core): the error
 * page's frames, the type-error overlay, the 404 list, and a tab that reloads by itself once a
 * restarted server is back. Screenshots land in test-artifacts/ (not committed).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { cherry, ROOT } from "../helpers/cli.js";
import { chromium, describeWithService } from "../helpers/services.js";
import { type CliServer, startCli } from "../helpers/spawn.js";
import { tempDir } from "../helpers/tmp.js";

const ARTIFACTS = path.join(ROOT, "test-artifacts");
const browserService = await chromium();

async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => probe.once("listening", r));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

describeWithService("the developer's pages in chromium", browserService, () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium(browserService.path);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function scaffold(): Promise<string> {
    const cwd = tempDir();
    const result = await cherry(["init", "app"], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    const dir = path.join(cwd, "app");
    const cfg = path.join(dir, "RootServer.cfg");
    writeFileSync(cfg, readFileSync(cfg, "utf8").replace("socketPort = 8000", "socketPort = 0"));
    return dir;
  }

  async function withPage(server: CliServer, fn: (page: Page) => Promise<void>): Promise<void> {
    const page = await browser.newPage();
    try {
      await fn(page);
    } finally {
      await page.close();
      await server.stop();
    }
  }

  it("shows a thrown error's app frames with code, cherry's folded; overlays type errors and says when fixed", async () => {
    const dir = await scaffold();
    const source = path.join(dir, "src/root.ts");
    const original = readFileSync(source, "utf8");
    const server = await startCli(["serve"], dir);
    await withPage(server, async (page) => {
      // The checker runs at a lower priority: on a loaded machine its first check waits its turn.
      await expect.poll(() => server.output(), { timeout: 90_000 }).toContain("[types] no type errors");

      // A handler that throws: the page shows where, in the app's own file, with its lines.
      const throwing = original.replace(
        "const count: number =",
        'if (request.params.fail) throw new Error("no counter today");\n    const count: number =',
      );
      writeFileSync(source, throwing);
      await expect.poll(() => server.output()).toContain("reloaded in");
      await page.goto(`${server.url}/?fail=1`);
      const throwLine = throwing.split("\n").findIndex((l) => l.includes("no counter today")) + 1;
      expect(await page.textContent("body")).toContain("Error: no counter today");
      const first = page.locator(".frame").first();
      expect(await first.locator(".where").textContent()).toMatch(
        new RegExp(`^src/root\\.ts:${throwLine}:\\d+$`),
      );
      expect(await first.locator("pre").textContent()).toContain(`> ${throwLine} |`);
      // cherry's and Node's frames are there but folded until asked for.
      expect(await page.isVisible("ol.stack li.cherry")).toBe(false);
      await page.click("details summary");
      expect(await page.isVisible("ol.stack li.cherry")).toBe(true);
      expect(await page.locator("ol.stack li.cherry").first().textContent()).toMatch(
        /cherry\/dist\/server\//,
      );
      await page.screenshot({ path: path.join(ARTIFACTS, "dev-thrown.png"), fullPage: true });

      // A type error: esbuild builds it, the checker finds it, the open page shows it.
      // Off the error page first: its live-reload script would reload it under the next goto.
      await page.goto("about:blank");
      const reloads = (server.output().match(/reloaded in/g) ?? []).length;
      writeFileSync(source, original);
      await expect.poll(() => (server.output().match(/reloaded in/g) ?? []).length).toBe(reloads + 1);
      await page.goto(server.url);
      const saved = Date.now();
      writeFileSync(source, original.replace("const count: number =", "const count: string ="));
      const overlay = page.locator("cherry-overlay .o");
      await overlay.locator("h2", { hasText: "1 type error" }).waitFor({ timeout: 30_000 });
      const shownAfter = Date.now() - saved;
      const countLine = original.split("\n").findIndex((l) => l.includes("const count")) + 1;
      expect(await overlay.textContent()).toContain(`src/root.ts:${countLine}:11`);
      expect(await overlay.textContent()).toContain("Type 'number' is not assignable to type 'string'.");
      expect(await overlay.locator("pre").textContent()).toContain(`> ${countLine} |`);
      await page.screenshot({ path: path.join(ARTIFACTS, "dev-type-error.png") });
      // A reload keeps showing it.
      await page.reload();
      await overlay.locator("h2", { hasText: "1 type error" }).waitFor({ timeout: 30_000 });

      writeFileSync(source, original);
      await overlay.locator("h2", { hasText: "type errors fixed" }).waitFor({ timeout: 30_000 });
      console.log(`type error on the page ${shownAfter} ms after the save`);
    });
  }, 240_000);

  it("lists the published paths on a 404 and explains the miss", async () => {
    const dir = await scaffold();
    const server = await startCli(["serve", "--no-type-check"], dir);
    await withPage(server, async (page) => {
      const res = await page.goto(`${server.url}/_private`);
      expect(res?.status()).toBe(404);
      expect(await page.textContent("body")).toContain('"_private" starts with "_"');
      expect(await page.locator("ul.paths a").allTextContents()).toEqual(["/"]);
      await page.screenshot({ path: path.join(ARTIFACTS, "dev-404.png") });
      await page.click("ul.paths a");
      await expect.poll(() => page.textContent("body")).toContain("been here 1 time(s)");
    });
  });

  it("reloads an open tab by itself once a restarted server is back", async () => {
    const dir = await scaffold();
    const port = String(await freePort());
    let server = await startCli(["serve", "--port", port, "--no-type-check"], dir);
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.evaluate(() => {
        (window as unknown as { before: boolean }).before = true;
      });
      expect(await server.stop()).toBe(143);
      // The page stays, its event stream broken, while no server runs.
      await new Promise((r) => setTimeout(r, 700));
      expect(await page.evaluate(() => (window as unknown as { before?: boolean }).before)).toBe(true);
      server = await startCli(["serve", "--port", port, "--no-type-check"], dir);
      await page.waitForFunction(() => !(window as unknown as { before?: boolean }).before, undefined, {
        timeout: 10_000,
      });
      expect(await page.textContent("body")).toContain("been here 1 time(s)");
    } finally {
      await page.close();
      await server.stop();
    }
  });
});
