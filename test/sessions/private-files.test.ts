/**
 * Files other local users must not read or plant: session stores and the log are created 0600
 * under a loose umask, and an existing folder or database another user could read, write or owns
 * is refused, with what is wrong and the command that fixes it.
 */
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isCherryError } from "../../src/errors.js";
import { createLogger } from "../../src/log.js";
import { newSessionId } from "../../src/sessions/ids.js";
import { FileStore } from "../../src/sessions/stores/file.js";
import { SqliteStore } from "../../src/sessions/stores/sqlite.js";
import { cherry } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const mode = (file: string) => statSync(file).mode & 0o777;
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

function refusal(make: () => unknown): string {
  try {
    make();
  } catch (error) {
    expect(isCherryError(error, "E_STORE_UNAVAILABLE")).toBe(true);
    return `${(error as Error).message} | hint: ${(error as { hint?: string }).hint}`;
  }
  throw new Error("expected a refusal");
}

describe("files created 0600 under umask 022", () => {
  let previous: number;
  beforeEach(() => {
    previous = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(previous);
  });

  it("sqlite: sessions.db, -wal and -shm", () => {
    const file = path.join(tempDir(), "sessions.db");
    const store = new SqliteStore(file);
    store.set(newSessionId(), { data: { a: 1 }, expiresAt: Date.now() + 60_000 });
    for (const name of [file, `${file}-wal`, `${file}-shm`]) expect(mode(name), name).toBe(0o600);
    store.close();
  });

  it("logFile", () => {
    const file = path.join(tempDir(), "cherry.log");
    createLogger({ logFile: file, stderr: { write: () => true } as unknown as NodeJS.WriteStream }).error(
      "x",
    );
    expect(mode(file)).toBe(0o600);
  });

  it("file store: the folder it creates (0700) and its session files (0600)", async () => {
    const dir = path.join(tempDir(), "a", "sessions");
    const store = new FileStore(dir);
    const id = newSessionId();
    await store.set(id, { data: {}, expiresAt: Date.now() + 60_000 });
    expect(mode(dir)).toBe(0o700);
    expect(mode(store.pathOf(id))).toBe(0o600);
  });
});

describe("an existing log file others can read or write is made 0600, with a notice", () => {
  it.each([0o644, 0o664, 0o606, 0o640])("mode 0%s: changed to 0600 and said so once", (loose) => {
    const file = path.join(tempDir(), "cherry.log");
    writeFileSync(file, "old\n");
    chmodSync(file, loose);
    const lines: string[] = [];
    const stderr = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    createLogger({ logFile: file, stderr }).info("x");
    expect(mode(file)).toBe(0o600);
    expect(lines[0]).toContain(
      `logFile ${file} was mode 0${loose.toString(8)} (other users could read it): changed to 0600`,
    );
    const again: string[] = [];
    createLogger({
      logFile: file,
      stderr: { write: (s: string) => again.push(s) } as unknown as NodeJS.WriteStream,
    }).info("y");
    expect(again.join("")).not.toContain("changed to 0600");
  });
});

describe("no log line carries a whole session id", () => {
  it("store errors, OS error paths, lock names and access lines keep only the first 8 digits, on screen and in the file", () => {
    const file = path.join(tempDir(), "cherry.log");
    const id = newSessionId();
    const screen: string[] = [];
    const stream = { write: (s: string) => screen.push(s) } as unknown as NodeJS.WriteStream;
    const logger = createLogger({ logFile: file, stderr: stream, stdout: stream });
    logger.error(
      `[sessions] GET /: [store:file] cannot read /srv/s/session-${id}.json: EISDIR, read '/srv/s/session-${id}.json'`,
    );
    logger.warn(`cannot lock /srv/s/.lock-${id}`);
    logger.error(`[store:redis] myapp:lock:${id} WRONGTYPE`);
    logger.access(`127.0.0.1 "GET /?sid=${id} HTTP/1.1" 200`, 200);
    const written = readFileSync(file, "utf8");
    for (const text of [screen.join(""), written]) {
      expect(text).not.toContain(id);
      expect(text).toContain(`session-${id.slice(0, 8)}….json`);
      expect(text).toContain(`.lock-${id.slice(0, 8)}…`);
      expect(text).toContain(`sid=${id.slice(0, 8)}…`);
    }
    // Longer or shorter hex runs (a SHA-256, a short hash) are not session ids and stay.
    const sha256 = "a".repeat(64);
    logger.info(`digest ${sha256} and ${"b".repeat(12)}`);
    expect(readFileSync(file, "utf8")).toContain(sha256);
  });
});

describe("an existing session folder must be private", () => {
  it("refuses a folder others can write (0777, 0770, 0702) and plants nothing in it", () => {
    for (const loose of [0o777, 0o770, 0o702]) {
      const dir = path.join(tempDir(), "sessions");
      mkdirSync(dir);
      chmodSync(dir, loose);
      const message = refusal(() => new FileStore(dir));
      expect(message).toContain(`${dir} can be written by other users (mode 0${loose.toString(8)})`);
      expect(message).toContain(`hint: chmod 700 ${dir}`);
      expect(mode(dir)).toBe(loose);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it("refuses a folder others can list (0755, 0740): the file names are the session ids", () => {
    for (const loose of [0o755, 0o740]) {
      const dir = path.join(tempDir(), "sessions");
      mkdirSync(dir);
      chmodSync(dir, loose);
      expect(refusal(() => new FileStore(dir))).toContain("can be read by other users");
    }
  });

  it("accepts 0700 and 0711 (others may pass through, not list)", () => {
    for (const ok of [0o700, 0o711]) {
      const dir = path.join(tempDir(), "sessions");
      mkdirSync(dir);
      chmodSync(dir, ok);
      expect(new FileStore(dir).dir).toBe(dir);
    }
  });

  it.skipIf(!isRoot)("refuses a folder owned by another user, even 0700 (needs root to chown)", () => {
    const dir = path.join(tempDir(), "sessions");
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, NOBODY, NOBODY);
    expect(refusal(() => new FileStore(dir))).toContain(`belongs to another user (uid ${NOBODY}`);
  });

  it("cherry sessions ls refuses a world-writable session folder with the fix (a config error: exit 2)", async () => {
    const dir = tempDir({ "RootServer.cfg": "[session]\nstorageType = file\nstorageFileDir = sessions\n" });
    mkdirSync(path.join(dir, "sessions"));
    chmodSync(path.join(dir, "sessions"), 0o777);
    const result = await cherry(["sessions", "ls"], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("can be written by other users (mode 0777)");
    expect(result.stderr).toContain("chmod 700");
  });
});

describe("no other user can rename the store's folder away (each folder above it)", () => {
  // The attack: storageFileDir = sub/sessions with sub 0777; another user runs
  // `mv sub/sessions sub/old` and makes their own sub/sessions holding a planted session file.
  const stores: [string, (dir: string) => unknown][] = [
    ["file", (dir) => new FileStore(path.join(dir, "sessions"))],
    ["sqlite", (dir) => new SqliteStore(path.join(dir, "db", "sessions.db"))],
  ];
  const inner = (store: string) => (store === "file" ? "sessions" : "db");

  it.each(stores)("%s: refuses a parent others can write (0777, 0770, 0702), naming it", (store, make) => {
    for (const loose of [0o777, 0o770, 0o702]) {
      const sub = path.join(tempDir(), "sub");
      mkdirSync(path.join(sub, inner(store)), { recursive: true, mode: 0o700 });
      chmodSync(sub, loose);
      const message = refusal(() => make(sub));
      expect(message).toContain(`${sub} can be written by other users (mode 0${loose.toString(8)})`);
      expect(message).toContain(`hint: chmod go-w ${sub}`);
    }
  });

  it.each(stores)(
    "%s: refuses a loose folder three levels up, and one reached through a symbolic link",
    (store, make) => {
      const top = path.join(tempDir(), "top");
      const sub = path.join(top, "a", "b");
      mkdirSync(path.join(sub, inner(store)), { recursive: true, mode: 0o700 });
      chmodSync(top, 0o777);
      expect(refusal(() => make(sub))).toContain(`${top} can be written by other users`);
      const link = path.join(tempDir(), "link");
      symlinkSync(sub, link);
      expect(refusal(() => make(link))).toContain(`${top} can be written by other users`);
    },
  );

  it.each(stores)("%s: accepts a sticky world-writable parent (like /tmp) and a 0755 one", (store, make) => {
    for (const fine of [0o1777, 0o755]) {
      const sub = path.join(tempDir(), "sub");
      mkdirSync(path.join(sub, inner(store)), { recursive: true, mode: 0o700 });
      chmodSync(sub, fine);
      const made = make(sub) as { close?: () => void };
      made.close?.();
    }
  });

  it.skipIf(!isRoot).each(stores)(
    "%s: refuses a folder above owned by another user, even 0755 (needs root to chown)",
    (store, make) => {
      const sub = path.join(tempDir(), "sub");
      mkdirSync(path.join(sub, inner(store)), { recursive: true, mode: 0o700 });
      chmodSync(sub, 0o755);
      chownSync(sub, NOBODY, NOBODY);
      expect(refusal(() => make(sub))).toContain(`${sub} belongs to another user (uid ${NOBODY}`);
    },
  );

  it.skipIf(!isRoot)(
    "sqlite: refuses a database folder owned by another user, 0755 (needs root to chown)",
    () => {
      const dir = path.join(tempDir(), "db");
      mkdirSync(dir, { mode: 0o755 });
      chownSync(dir, NOBODY, NOBODY);
      expect(refusal(() => new SqliteStore(path.join(dir, "sessions.db")))).toContain(
        `${dir} belongs to another user (uid ${NOBODY}`,
      );
    },
  );
});

describe("config check reports what serve would refuse about the store, with file:line (exit 2 from both)", () => {
  const cases: [string, string, (dir: string) => void, RegExp][] = [
    [
      "a 0777 storageFileDir",
      "[session]\nstorageType = file\nstorageFileDir = sessions\n",
      (dir) => chmodSync(path.join(dir, "sessions"), 0o777),
      /RootServer\.cfg:3: \[session\] storageFileDir: .*can be written by other users \(mode 0777\)/,
    ],
    [
      "a 0755 storageFileDir (lists every session id)",
      "[session]\nstorageType = file\nstorageFileDir = sessions\n",
      (dir) => chmodSync(path.join(dir, "sessions"), 0o755),
      /RootServer\.cfg:3: \[session\] storageFileDir: .*can be read by other users/,
    ],
    [
      "a 0777 folder above a storageFileDir that does not exist yet",
      "[session]\nstorageType = file\nstorageFileDir = sub/sessions\n",
      (dir) => {
        mkdirSync(path.join(dir, "sub"));
        chmodSync(path.join(dir, "sub"), 0o777);
      },
      /RootServer\.cfg:3: \[session\] storageFileDir: .*sub can be written by other users/,
    ],
    [
      "a 0644 sessions.db",
      "[session]\nstorageType = sqlite\nstorageFile = sessions.db\n",
      (dir) => {
        writeFileSync(path.join(dir, "sessions.db"), "");
        chmodSync(path.join(dir, "sessions.db"), 0o644);
      },
      /RootServer\.cfg:3: \[session\] storageFile: .*sessions\.db can be read or written by other users \(mode 0644\)/,
    ],
  ];

  it.each(cases)("%s", async (_, cfg, spoil, expected) => {
    const dir = tempDir({ "RootServer.cfg": `${cfg}[server]\nlogToScreen = 0\n` });
    mkdirSync(path.join(dir, "sessions"), { mode: 0o700 });
    const okCheck = await cherry(["config", "check"], { cwd: dir });
    expect(okCheck.exitCode, okCheck.stderr).toBe(0);
    spoil(dir);
    const check = await cherry(["config", "check"], { cwd: dir });
    expect(check.exitCode).toBe(2);
    expect(check.stderr).toMatch(expected);
    const ls = await cherry(["sessions", "ls"], { cwd: dir });
    expect(ls.exitCode).toBe(2);
    expect(ls.stderr).toMatch(expected);
  });
});

describe("an existing sqlite database must be private", () => {
  it("refuses a database, -wal or -shm that others can read or write", () => {
    for (const suffix of ["", "-wal", "-shm"]) {
      const file = path.join(tempDir(), "sessions.db");
      new SqliteStore(file).close();
      writeFileSync(`${file}${suffix}`, "", { flag: "a" });
      chmodSync(`${file}${suffix}`, 0o644);
      const message = refusal(() => new SqliteStore(file));
      expect(message).toContain(`${file}${suffix} can be read or written by other users (mode 0644)`);
      expect(message).toContain(`chmod 600 ${file}*`);
    }
  });

  it("refuses a symbolic link in place of the database or its -wal", () => {
    for (const suffix of ["", "-wal"]) {
      const dir = tempDir({ "elsewhere.db": "" });
      chmodSync(path.join(dir, "elsewhere.db"), 0o600);
      symlinkSync(path.join(dir, "elsewhere.db"), path.join(dir, `sessions.db${suffix}`));
      expect(refusal(() => new SqliteStore(path.join(dir, "sessions.db")))).toContain(
        "is not a regular file",
      );
    }
  });

  it("refuses a database in a folder others can write, unless the folder is sticky", () => {
    const dir = path.join(tempDir(), "db");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    expect(refusal(() => new SqliteStore(path.join(dir, "sessions.db")))).toContain(
      "can be written by other users (mode 0777)",
    );
    chmodSync(dir, 0o1777);
    new SqliteStore(path.join(dir, "sessions.db")).close();
  });

  it.skipIf(!isRoot)("refuses a database owned by another user (needs root to chown)", () => {
    const file = path.join(tempDir(), "sessions.db");
    new SqliteStore(file).close();
    chownSync(file, NOBODY, NOBODY);
    expect(refusal(() => new SqliteStore(file))).toContain("belongs to another user");
  });
});
