/**
 * The terminal of `cherry serve`: the banner, the Local/Network lines, keyboard shortcuts on a real
 * pseudo-terminal, `--open` failures, and the access log.
 */
import { chmodSync, existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { browserLauncher } from "../../src/cli/_open.js";
import { bannerLines, resolveAddresses } from "../../src/server/banner.js";
import { COUNTER } from "../helpers/app.js";
import { runInTerminal } from "../helpers/pty.js";
import { startCli } from "../helpers/spawn.js";
import { tempDir } from "../helpers/tmp.js";

const VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as { version: string }
).version;

function app(cfg = ""): string {
  return tempDir({
    "RootServer.cfg": `[server]\nsocketPort = 0\n${cfg}\n[session]\nstorageType = ram\n`,
    "src/root.ts": COUNTER,
  });
}

describe("the startup banner", () => {
  it("names the version, the time to ready, the Local URL and how to quit", async () => {
    const server = await startCli(["serve"], app());
    try {
      await expect.poll(() => server.output()).toContain("to quit");
      const out = server.output();
      expect(out).toMatch(
        new RegExp(
          `cherry v${VERSION.replace(/\./g, "\\.")} ready in \\d+ ms, listening on http://127\\.0\\.0\\.1:\\d+ \\(watching for changes\\)$`,
          "m",
        ),
      );
      expect(out).toContain(`Local:   ${server.url}/`);
      expect(out).toContain("Network: use --host 0.0.0.0 to expose");
      // stdin is not a terminal here: no shortcuts are offered.
      expect(out).toContain("press Ctrl-C to quit");
      expect(out).not.toContain("press h");
    } finally {
      await server.stop();
    }
  });

  it("with --host 0.0.0.0 lists this machine's real addresses, never 0.0.0.0", async () => {
    const server = await startCli(["serve", "--host", "0.0.0.0"], app());
    try {
      await expect.poll(() => server.output()).toContain("to quit");
      const out = server.output();
      const port = /:(\d+)$/.exec(server.url)?.[1];
      expect(server.url).toBe(`http://127.0.0.1:${port}`);
      expect(out).not.toContain("0.0.0.0:");
      const external = Object.values(os.networkInterfaces())
        .flat()
        .filter((i) => i && !i.internal && i.family === "IPv4");
      for (const info of external) expect(out).toContain(`Network: http://${info?.address}:${port}/`);
      if (external.length === 0) expect(out).toContain("Network: no network interface other than loopback");
      // The listed address answers.
      const first = /Network: (http:\/\/\S+)/.exec(out)?.[1];
      if (first) expect((await fetch(first)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it("resolves Local and Network URLs for each kind of host", () => {
    const interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = {
      lo: [{ address: "127.0.0.1", family: "IPv4", internal: true } as os.NetworkInterfaceInfo],
      eth0: [
        { address: "192.168.1.20", family: "IPv4", internal: false } as os.NetworkInterfaceInfo,
        { address: "2001:db8::20", family: "IPv6", internal: false } as os.NetworkInterfaceInfo,
        { address: "fe80::1", family: "IPv6", internal: false } as os.NetworkInterfaceInfo,
      ],
    };
    expect(resolveAddresses("http://0.0.0.0:8000", "0.0.0.0", interfaces)).toEqual({
      local: "http://127.0.0.1:8000",
      network: ["http://192.168.1.20:8000"],
    });
    expect(resolveAddresses("http://0.0.0.0:8000", "", interfaces).network).toEqual([
      "http://192.168.1.20:8000",
    ]);
    expect(resolveAddresses("https://[::]:8443", "::", interfaces)).toEqual({
      local: "https://127.0.0.1:8443",
      network: ["https://192.168.1.20:8443", "https://[2001:db8::20]:8443"],
    });
    expect(resolveAddresses("http://127.0.0.1:8000", "localhost", interfaces)).toEqual({
      local: "http://127.0.0.1:8000",
      network: [],
    });
    expect(resolveAddresses("http://192.168.1.20:8000", "192.168.1.20", interfaces)).toEqual({
      network: ["http://192.168.1.20:8000"],
    });
    const unix = bannerLines({
      url: "http+unix:///tmp/a.sock",
      host: "",
      readyMs: 3,
      watch: false,
      shortcuts: false,
    });
    expect(unix[0]).toMatch(/ready in 3 ms, listening on http\+unix:\/\/\/tmp\/a\.sock$/);
    expect(unix.join("\n")).not.toContain("Network");
  });
});

/** The server instance id the live-reload stream's first event carries. */
async function helloId(url: string): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(`${url}/__cherry/live`, { signal: controller.signal });
  const reader = res.body?.getReader();
  let seen = "";
  while (!/event: hello\ndata: .*\n/.test(seen)) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    seen += new TextDecoder().decode(chunk.value);
  }
  controller.abort();
  return JSON.parse(/event: hello\ndata: (.*)\n/.exec(seen)?.[1] ?? "{}").id;
}

describe.skipIf(!existsSync("/usr/bin/script"))("keyboard shortcuts on a terminal", () => {
  it("h lists them, an unknown key says so, rs and r restart on the same port, c clears, o opens, q quits with 0", async () => {
    const dir = app();
    const opener = path.join(dir, "browser.sh");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(opener, `#!/bin/sh\necho "$1" > "${path.join(dir, "opened.txt")}"\n`);
    chmodSync(opener, 0o755);
    const term = runInTerminal(["serve"], dir, { BROWSER: opener });
    try {
      const [, url] = await term.waitFor(/listening on (\S+)/);
      await term.waitFor(/press h \+ enter to show help, q to quit/);

      let mark = term.output().length;
      term.type("h");
      await term.waitFor(/q \+ enter\s+quit/, mark);
      expect(term.output().slice(mark)).toMatch(/r \+ enter\s+restart the server \(also rs/);

      mark = term.output().length;
      term.type("x");
      await term.waitFor(/unknown shortcut "x"; press h \+ enter for help/, mark);

      // Each server start has its own id on the live-reload stream: an open tab that reconnects
      // after a restart sees a new one and reloads (test/e2e/dev.test.ts shows it in a browser).
      const ids = [await helloId(url)];
      for (const key of ["rs", "r"]) {
        mark = term.output().length;
        term.type(key);
        const [, again] = await term.waitFor(/listening on (\S+)/, mark);
        expect(term.output().slice(mark)).toContain("restarting");
        expect(again).toBe(url);
        expect((await fetch(again)).status).toBe(200);
        ids.push(await helloId(again));
      }
      expect(new Set(ids).size).toBe(3);

      mark = term.output().length;
      term.type("c");
      // ED 2 and 3 (screen and scrollback), then the cursor home, as vite's clearScreen writes.
      await expect.poll(() => term.output().slice(mark)).toContain("\u001b[2J\u001b[3J\u001b[H");

      term.type("o");
      // The opener's shell creates the file before it writes the URL: wait for the URL itself.
      const opened = path.join(dir, "opened.txt");
      await expect
        .poll(() => (existsSync(opened) ? readFileSync(opened, "utf8").trim() : ""), { timeout: 5000 })
        .toBe(url);

      term.type("q");
      expect(await term.exited).toBe(0);
    } finally {
      term.kill();
    }
  });
});

describe("--open", () => {
  it("says why when it cannot open a browser: launcher missing, launcher failing", async () => {
    for (const [browser, why] of [
      [path.join(os.tmpdir(), "no-such-browser"), "not found"],
      ["false", "exited with 1"],
    ]) {
      const server = await startCli(["serve", "--open"], app(), { BROWSER: browser });
      try {
        await expect
          .poll(() => server.output(), { timeout: 5000 })
          .toContain(`cannot open a browser (${browser} ${why}); open ${server.url} yourself`);
      } finally {
        await server.stop();
      }
    }
  });

  it("runs cmd.exe's start through cmd /c on Windows (start is no program)", () => {
    const [command, args, verbatim] = browserLauncher("http://127.0.0.1:8000", "win32", undefined) ?? [];
    expect(command).toBe("cmd.exe");
    expect(args).toEqual(["/d", "/s", "/c", 'start "" "http://127.0.0.1:8000"']);
    expect(verbatim).toBe(true);
    expect(browserLauncher("http://x", "linux", undefined)?.[0]).toBe("xdg-open");
    expect(browserLauncher("http://x", "darwin", undefined)?.[0]).toBe("open");
    expect(browserLauncher("http://x", "linux", "none")).toBeUndefined();
  });
});

describe("the access log", () => {
  it("stamps each line with the time and leaves out cherry's live-reload stream", async () => {
    const server = await startCli(["serve"], app());
    try {
      const controller = new AbortController();
      const live = await fetch(`${server.url}/__cherry/live`, { signal: controller.signal });
      expect(live.status).toBe(200);
      await fetch(`${server.url}/`);
      await fetch(`${server.url}/nope`);
      controller.abort();
      await expect.poll(() => server.output()).toMatch(/^\d\d:\d\d:\d\d GET \/nope 404 [\d.]+ms$/m);
      expect(server.output()).toMatch(/^\d\d:\d\d:\d\d GET \/ 200 [\d.]+ms$/m);
      expect(server.output()).not.toContain("/__cherry/live");
    } finally {
      await server.stop();
    }
  });
});
