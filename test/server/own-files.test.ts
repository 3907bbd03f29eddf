/**
 * Static mounts never serve the files cherry itself uses (src/server/_own-files.ts): the config, the
 * app and a custom store's module, the TLS key, the log and the session store's files and folder
 * answer 404 from any mount that holds them, also through a symbolic link, and startup warns,
 * comparing real paths (a mount reached through a link is seen).
 */
import { existsSync, readdirSync, symlinkSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownFiles } from "../../src/server/_own-files.js";
import { createStaticHandler, staticWarnings } from "../../src/server/static.js";
import { ok } from "../config/_resolve.js";
import { Client, serveApp, type TestApp } from "../helpers/app.js";
import { tempDir } from "../helpers/tmp.js";

const status = async (base: string, p: string) => (await fetch(new URL(p, base))).status;

describe("sqlite store, log file and the whole app folder under static mounts", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await serveApp({
      "RootServer.cfg":
        "[server]\nlogFile = pub/cherry.log\n[session]\nstorageType = sqlite\nstorageFile = pub/sessions.db\n[staticContent]\npub = pub\nall = .\n",
      "pub/index.html": "<p>public</p>\n",
      // The test's logger is in memory: a log file written by an earlier run.
      "pub/cherry.log": "info: listening on http://127.0.0.1:8000\n",
    });
    symlinkSync("sessions.db", path.join(app.dir, "pub", "innocent.txt"));
    const client = new Client(app.url);
    await client.text("/");
    await client.text("/");
  });
  afterAll(() => app.close());

  it("a mount over the app folder: /pub/sessions.db, -wal, -shm and /pub/cherry.log answer 404 (they exist)", async () => {
    for (const name of ["sessions.db", "sessions.db-wal", "sessions.db-shm", "cherry.log"]) {
      expect(existsSync(path.join(app.dir, "pub", name)), name).toBe(true);
      expect(await status(app.url, `/pub/${name}`), name).toBe(404);
    }
    expect(await status(app.url, "/pub/index.html")).toBe(200);
  });

  it("a symbolic link to the database, and every file through a second mount, answer 404", async () => {
    expect(await status(app.url, "/pub/innocent.txt")).toBe(404);
    for (const p of [
      "/all/RootServer.cfg",
      "/all/src/root.ts",
      "/all/pub/sessions.db",
      "/all/pub/cherry.log",
    ])
      expect(await status(app.url, p), p).toBe(404);
    expect(await status(app.url, "/all/pub/index.html")).toBe(200);
  });

  it("warns at startup for each, once for the database and its companions", () => {
    const warnings = app.logger.lines.filter((l) => l.startsWith("warn: [static]"));
    for (const name of ["sessions.db", "cherry.log", "RootServer.cfg", "root.ts"])
      expect(
        warnings.some((l) => l.includes(name) && l.includes("answers 404")),
        name,
      ).toBe(true);
    expect(warnings.filter((l) => l.includes("sessions.db-wal"))).toEqual([]);
  });
});

describe("file store folder under a static mount", () => {
  it("a session file in /files/sess/ answers 404, a public file beside it 200", async () => {
    const app = await serveApp({
      "RootServer.cfg":
        "[session]\nstorageType = file\nstorageFileDir = files/sess\n[staticContent]\nfiles = files\n",
      "files/public.txt": "hi\n",
    });
    try {
      await new Client(app.url).text("/");
      const [session] = readdirSync(path.join(app.dir, "files", "sess"));
      expect(session).toMatch(/^session-[0-9a-f]{40}\.json$/);
      expect(await status(app.url, `/files/sess/${session}`)).toBe(404);
      expect(await status(app.url, "/files/public.txt")).toBe(200);
      expect(app.logger.lines.some((l) => l.startsWith("warn: [static]") && l.includes("sess"))).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe("TLS key, custom store module and a one-file mount of the config", () => {
  it("each answers 404 from a real HTTP server, with a warning naming it", async () => {
    const dir = tempDir({
      "pub/key.pem": "-----BEGIN PRIVATE KEY-----\n",
      "pub/cert.pem": "-----BEGIN CERTIFICATE-----\n",
      "pub/store.mjs": "export default {}\n",
      "RootServer.cfg": "",
    });
    symlinkSync(path.join(dir, "pub"), path.join(dir, "linked"));
    const config = ok(
      "[server]\nsslKeyFile = pub/key.pem\nsslCertificateFile = pub/cert.pem\n[session]\nstorageType = custom\nstorageModule = pub/store.mjs\n[staticContent]\npub = pub\nlinked = linked\ncfg = RootServer.cfg\n",
      { dir },
    );
    const own = ownFiles(config);
    const handler = createStaticHandler(config.staticContent, { own });
    const server = http.createServer((req, res) => {
      const answered = handler(req, res, new URL(req.url ?? "/", "http://x").pathname);
      if (!answered) res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const p of ["/pub/key.pem", "/pub/store.mjs", "/linked/key.pem", "/linked/store.mjs", "/cfg"])
        expect(await status(base, p), p).toBe(404);
      expect(await status(base, "/pub/cert.pem")).toBe(200);
      expect(await status(base, "/linked/cert.pem")).toBe(200);
    } finally {
      server.close();
    }
    const warnings = staticWarnings(config.staticContent, own);
    // The mount reached through a link warns like the direct one (real paths are compared).
    for (const prefix of ["/pub/", "/linked/"])
      for (const name of ["key.pem", "store.mjs"])
        expect(
          warnings.some((w) => w.startsWith(`[static] ${prefix}`) && w.includes(name)),
          prefix + name,
        ).toBe(true);
    expect(warnings.some((w) => w.startsWith("[static] /cfg is"))).toBe(true);
  });

  it("a mount through a link, `linked = ../l2` with l2 -> site: RootServer.cfg through the link warns and answers 404", async () => {
    const root = tempDir({
      "site/RootServer.cfg": "[staticContent]\nlinked = ../l2\n[session]\nstorageType = ram\n",
    });
    symlinkSync(path.join(root, "site"), path.join(root, "l2"));
    const config = ok("[staticContent]\nlinked = ../l2\n", { dir: path.join(root, "site") });
    const warnings = staticWarnings(config.staticContent, ownFiles(config));
    expect(warnings.some((w) => w.includes("RootServer.cfg") && w.startsWith("[static] /linked/"))).toBe(
      true,
    );
  });
});
