/**
 * The contract of a store descriptor (src/sessions/stores/_descriptor.ts): every store file is
 * registered, names only keys the schema has, loads its driver only when opened, and its
 * `cherry init --storage` lines make a config that passes `config check`. The facts the server
 * asks (src/server/_store-facts.ts) are checked here as tables over every registered store.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load.js";
import { specOf } from "../../../src/config/schema.js";
import type { CherryConfig } from "../../../src/config/types.js";
import { isCherryError } from "../../../src/errors.js";
import { rewriteSession, secretEnvFile } from "../../../src/scaffold/storage.js";
import {
  locksAcrossProcesses,
  sameStore,
  serverWrittenPaths,
  tuneStore,
} from "../../../src/server/_store-facts.js";
import { openAdminStore } from "../../../src/sessions/admin.js";
import { type ConfigKeyId, configValue, requireDriver } from "../../../src/sessions/stores/_descriptor.js";
import { STORES } from "../../../src/sessions/stores/index.js";
import { RamStore } from "../../../src/sessions/stores/ram.js";
import { ROOT } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/tmp.js";

const STORES_DIR = path.join(ROOT, "src/sessions/stores");
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const COUNTER_CFG = readFileSync(path.join(ROOT, "templates/counter/RootServer.cfg"), "utf8");

/** The config a store's `cherry init --storage` lines make, loaded as `config check` loads it. */
function initConfig(name: string): CherryConfig {
  const dir = tempDir({ "RootServer.cfg": rewriteSession(COUNTER_CFG, name as never) });
  const env = secretEnvFile(name as never);
  if (env) writeFileSync(path.join(dir, ".env"), env, { mode: 0o600 });
  return loadConfig({ configPath: path.join(dir, "RootServer.cfg") });
}

/** A config as `config` with `id` set to `value`. */
function withKey(config: CherryConfig, id: ConfigKeyId, value: unknown): CherryConfig {
  const [section, key] = id.split(".") as ["session" | "server", string];
  return { ...config, [section]: { ...config[section], [key]: value } };
}

function otherValue(value: unknown): unknown {
  if (typeof value === "number") return value + 1;
  if (typeof value === "boolean") return !value;
  return `${value}-changed`;
}

/** Every store's config: its init lines, or for a store without (custom) its key written out. */
function configOf(name: string): CherryConfig {
  if (STORES.find((d) => d.name === name)?.init) return initConfig(name);
  const dir = tempDir({
    "RootServer.cfg": `[session]\nstorageType = ${name}\nstorageModule = src/store.ts\n`,
  });
  return loadConfig({ configPath: path.join(dir, "RootServer.cfg") });
}

describe("the registry", () => {
  it("lists every store file of src/sessions/stores, under the file's name, once", async () => {
    const files = readdirSync(STORES_DIR).filter(
      (f) => f.endsWith(".ts") && !f.startsWith("_") && f !== "index.ts",
    );
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) {
      const module = await import(path.join(STORES_DIR, file));
      expect(module.descriptor, `${file} exports no descriptor`).toBeDefined();
      expect(STORES, `${file} is not listed in src/sessions/stores/index.ts`).toContain(module.descriptor);
      expect(module.descriptor.name).toBe(path.basename(file, ".ts"));
    }
    expect(new Set(STORES.map((d) => d.name)).size).toBe(STORES.length);
    expect(STORES.length).toBe(files.length);
  });

  it("is imported, with the config schema and the CLI, without loading a database driver", () => {
    // The drivers are CommonJS: whatever loads them lands in require.cache.
    const script = `
      import { createRequire } from "node:module";
      await import("./dist/sessions/stores/index.js");
      await import("./dist/config/schema.js");
      await import("./dist/cli/index.js");
      const cache = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(cache.filter((f) => /node_modules\\/(better-sqlite3|pg|@redis\\/client|redis)\\//.test(f))));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT });
    expect(JSON.parse(out.toString())).toEqual([]);
  });
});

describe.each(STORES.map((d) => [d.name, d] as const))("the %s descriptor", (name, descriptor) => {
  it("names only keys of the schema, in their canonical spelling", () => {
    const ids = [...descriptor.keys, ...(descriptor.tune?.keys ?? []), ...(descriptor.exclusiveKeys ?? [])];
    for (const id of ids) {
      const [section, key] = id.split(".");
      expect(specOf(section, key)?.key, `${id} is not a key of src/config/schema.ts`).toBe(key);
    }
  });

  it("declares the driver it requires, which package.json lists, and never imports it on load", () => {
    const source = readFileSync(path.join(STORES_DIR, `${name}.ts`), "utf8");
    expect(/requireDriver[<(]/.test(source), "requireDriver without a `driver`").toBe(
      descriptor.driver !== undefined,
    );
    if (!descriptor.driver) return;
    expect(
      PACKAGE.dependencies[descriptor.driver] ?? PACKAGE.peerDependencies?.[descriptor.driver],
    ).toBeDefined();
    const valueImport = new RegExp(`^import (?!type )[^;]*from "${descriptor.driver}"`, "m");
    expect(source).not.toMatch(valueImport);
  });

  it("makes a config that passes config check from its init lines, and offers them to cherry init", () => {
    if (!descriptor.init) return;
    const config = initConfig(name);
    expect(config.session.storageType).toBe(name);
    // A secret the store needs is in .env, never in the committed file.
    expect(rewriteSession(COUNTER_CFG, name)).not.toMatch(/^\s*secret\s*=/m);
  });

  it("keeps the store while its keys keep their values, and only then", () => {
    const config = configOf(name);
    expect(sameStore(config, config)).toBe(true);
    for (const id of descriptor.keys) {
      const changed = withKey(config, id, otherValue(configValue(config, id)));
      expect(sameStore(config, changed), `${id} changed`).toBe(false);
    }
    for (const id of [...(descriptor.tune?.keys ?? []), "session.timeout", "server.socketPort"] as const) {
      const changed = withKey(config, id, otherValue(configValue(config, id)));
      expect(sameStore(config, changed), `${id} changed`).toBe(true);
    }
    const other = STORES.find((d) => d.name !== name)?.name;
    expect(sameStore(config, withKey(config, "session.storageType", other))).toBe(false);
  });

  it("takes per-session locks in the store when it is shared by machines, or by several workers", () => {
    const config = configOf(name);
    expect(locksAcrossProcesses(config)).toBe(descriptor.sharing === "machines");
    expect(locksAcrossProcesses(withKey(config, "server.processPool", 2))).toBe(true);
    expect(locksAcrossProcesses(withKey(config, "session.locking", "none"))).toBe(false);
  });

  it("writes absolute paths only, and the server adds its log file and socket", () => {
    const config = withKey(
      withKey(configOf(name), "server.logFile", "/srv/app/access.log"),
      "server.socketFile",
      "/srv/app/cherry.sock",
    );
    const written = serverWrittenPaths(config);
    for (const p of [...written.files, ...written.dirs]) expect(path.isAbsolute(p), p).toBe(true);
    expect(written.files).toEqual(expect.arrayContaining(["/srv/app/access.log", "/srv/app/cherry.sock"]));
    expect(written.files.length + written.dirs.length > 2).toBe(descriptor.writes !== undefined);
  });

  it("is administered by cherry sessions, or says why not", async () => {
    if (!descriptor.notAdministrable) {
      expect(descriptor.describe?.(configOf(name), (p) => p)).toContain(`the ${name} store`);
      return;
    }
    const error = await openAdminStore(configOf(name)).catch((e: unknown) => e);
    expect(isCherryError(error, "E_STORE_UNSUPPORTED")).toBe(true);
    expect((error as Error).message).toBe(descriptor.notAdministrable);
  });
});

describe("the facts", () => {
  it("sessions off: no store to keep, no locks, only the server's own files", () => {
    const dir = tempDir({ "RootServer.cfg": "[server]\nlogFile = access.log\n" });
    const config = loadConfig({ configPath: path.join(dir, "RootServer.cfg") });
    expect(sameStore(config, config)).toBe(true);
    expect(locksAcrossProcesses(config)).toBe(false);
    expect(serverWrittenPaths(config)).toEqual({ files: [path.join(dir, "access.log")], dirs: [] });
  });

  it("file and sqlite: the folder, and the database with its companions, where the config puts them", () => {
    const file = serverWrittenPaths(initConfig("file"));
    expect(file.files).toEqual([]);
    expect(file.dirs).toHaveLength(1);
    expect(path.basename(file.dirs[0])).toBe("sessions");
    const sqlite = serverWrittenPaths(initConfig("sqlite"));
    expect(sqlite.files.map((f) => path.basename(f))).toEqual([
      "sessions.db",
      "sessions.db-wal",
      "sessions.db-shm",
      "sessions.db-journal",
    ]);
  });

  it("ram's bounds apply to the open store in place", () => {
    const config = initConfig("ram");
    const store = new RamStore();
    tuneStore(store, withKey(config, "session.ramMaxSessions", 7));
    expect(store.limits.maxSessions).toBe(7);
  });
});

describe("a store's driver", () => {
  it("that is not installed is named, with the command that installs it", () => {
    let error: unknown;
    try {
      requireDriver("mystore", "cherry-test-no-such-driver");
    } catch (e) {
      error = e;
    }
    expect(isCherryError(error, "E_STORE_UNAVAILABLE")).toBe(true);
    expect((error as Error).message).toBe(
      "[store:mystore] the mystore store needs the cherry-test-no-such-driver package, which is not installed",
    );
    expect((error as { hint?: string }).hint).toBe("npm install cherry-test-no-such-driver");
  });
});
