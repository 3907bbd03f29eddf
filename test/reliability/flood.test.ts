/**
 * Floods: cookieless traffic and forged ids create nothing; memory stays flat; oversize bodies are
 * refused. CHERRY_FLOOD_REQUESTS raises the counts for a longer run.
 */
import { readdirSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSessionId } from "../../src/sessions/ids.js";
import { serveApp, type TestApp } from "../helpers/app.js";

const REQUESTS = Number(process.env.CHERRY_FLOOD_REQUESTS ?? 20_000);
const APP =
  "export default { index(r) { return String(r.sessionMap.get('n', 0)); }, echo(r) { return String(r.body.length); } };";

let app: TestApp;
beforeAll(async () => {
  app = await serveApp({
    "RootServer.cfg":
      "[server]\nmaxRequestBodySize = 1048576\n[session]\nstorageType = file\nstorageFileDir = sessions\n",
    "src/root.ts": APP,
  });
});
afterAll(() => app.close());

/** Sends `count` GETs over 50 keep-alive connections; returns the status counts. */
async function flood(
  count: number,
  headers: (i: number) => Record<string, string>,
): Promise<Map<number, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < count) {
        const i = next++;
        const status = await new Promise<number>((resolve, reject) => {
          http
            .get(app.url, { agent, headers: headers(i) }, (res) => {
              res.resume();
              res.on("end", () => resolve(res.statusCode ?? 0));
            })
            .on("error", reject);
        });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  agent.destroy();
  return statuses;
}

describe("floods", () => {
  it(`${REQUESTS.toLocaleString("en-US")} cookieless requests create no session and memory stays flat`, async () => {
    await flood(2000, () => ({}));
    global.gc?.();
    const before = process.memoryUsage().rss;
    const statuses = await flood(REQUESTS, () => ({}));
    global.gc?.();
    const grown = (process.memoryUsage().rss - before) / 1e6;
    expect(statuses.get(200)).toBe(REQUESTS);
    expect(readdirSync(path.join(app.dir, "sessions"))).toEqual([]);
    expect(grown).toBeLessThan(64);
  }, 120_000);

  it("10,000 distinct forged ids create nothing", async () => {
    const statuses = await flood(10_000, () => ({ cookie: `CherryPySession=${newSessionId()}` }));
    expect(statuses.get(200)).toBe(10_000);
    expect(readdirSync(path.join(app.dir, "sessions"))).toEqual([]);
  }, 120_000);

  it("refuses an oversize body with 413 before reading it all", async () => {
    const res = await fetch(new URL("/echo", app.url), {
      method: "POST",
      body: Buffer.alloc(2 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect((await fetch(app.url)).status).toBe(200);
  });
});

/** Opens a socket, writes `head` at once, then one byte of `trickle` every `everyMs`; resolves when the server ends it. */
function slowClient(url: string, head: string, trickle: string, everyMs: number) {
  const { port, hostname } = new URL(url);
  const started = Date.now();
  return new Promise<{ ms: number; answer: string }>((resolve) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(head));
    let answer = "";
    let i = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed && i < trickle.length) socket.write(trickle[i++]);
    }, everyMs);
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    const done = () => {
      clearInterval(timer);
      resolve({ ms: Date.now() - started, answer });
    };
    socket.on("close", done);
    socket.on("error", () => undefined);
  });
}

describe("slow clients", () => {
  it("are cut off by the header and request timeouts while other clients are served", async () => {
    const slow = await serveApp(
      { "RootServer.cfg": "[session]\nstorageType = ram\n", "src/root.ts": APP },
      { limits: { headersTimeoutMs: 400, requestTimeoutMs: 800, keepAliveTimeoutMs: 5000 } },
    );
    try {
      const endless = "X-Slow: a".padEnd(200, "a");
      const [headers, body, normal] = await Promise.all([
        // Headers one byte every 50 ms: never finished, so the header timeout must end it.
        slowClient(slow.url, "GET / HTTP/1.1\r\nHost: x\r\n", endless, 50),
        // Headers at once, then a body one byte every 50 ms: the request timeout must end it.
        slowClient(
          slow.url,
          "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n",
          "b".repeat(200),
          50,
        ),
        new Promise((r) => setTimeout(r, 200)).then(() => fetch(slow.url).then((r) => r.status)),
      ]);
      expect(headers.answer).toMatch(/^HTTP\/1\.1 408/);
      expect(headers.ms).toBeGreaterThanOrEqual(400);
      expect(headers.ms).toBeLessThan(3000);
      expect(body.answer).toMatch(/^HTTP\/1\.1 408/);
      expect(body.ms).toBeGreaterThanOrEqual(800);
      expect(body.ms).toBeLessThan(4000);
      expect(normal).toBe(200);
    } finally {
      await slow.close();
    }
  });
});
