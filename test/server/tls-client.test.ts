/**
 * CherryPy 0.10's sslClientCertificateVerification = 1: only clients with a certificate signed by
 * sslCACertificateFile are served (real certificates made with openssl, a real HTTPS server).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApp, type TestApp } from "../helpers/app.js";
import { tempDir } from "../helpers/tmp.js";

function openssl(dir: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

function get(url: string, dir: string, client?: string): Promise<number> {
  const files = client
    ? {
        cert: readFileSync(path.join(dir, `${client}.pem`)),
        key: readFileSync(path.join(dir, `${client}.key`)),
      }
    : {};
  return new Promise((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false, ...files }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on("error", reject);
  });
}

describe("sslClientCertificateVerification", () => {
  let app: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    const subject = (cn: string) => ["-days", "1", "-subj", `/CN=${cn}`];
    openssl(
      dir,
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      ...subject("test-ca"),
    );
    openssl(
      dir,
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "server.key",
      "-out",
      "server.pem",
      ...subject("localhost"),
    );
    openssl(
      dir,
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "client.key",
      "-out",
      "client.csr",
      "-subj",
      "/CN=client",
    );
    openssl(
      dir,
      "x509",
      "-req",
      "-in",
      "client.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "client.pem",
      "-days",
      "1",
    );
    openssl(
      dir,
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "stranger.key",
      "-out",
      "stranger.pem",
      ...subject("stranger"),
    );
    app = await serveApp({
      "RootServer.cfg": [
        "[server]",
        `sslKeyFile = ${path.join(dir, "server.key")}`,
        `sslCertificateFile = ${path.join(dir, "server.pem")}`,
        "sslClientCertificateVerification = 1",
        `sslCACertificateFile = ${path.join(dir, "ca.pem")}`,
      ].join("\n"),
      "src/root.ts": "export default { index: () => 'ok' };\n",
    });
  });
  afterAll(() => app?.close());

  it("serves a client whose certificate the CA signed", async () => {
    expect(app.url).toMatch(/^https:/);
    expect(await get(app.url, dir, "client")).toBe(200);
  });

  it("refuses a client without a certificate or with one the CA did not sign", async () => {
    await expect(get(app.url, dir)).rejects.toThrow();
    await expect(get(app.url, dir, "stranger")).rejects.toThrow();
  });
});
