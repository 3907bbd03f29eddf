import { promises as fs, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { newSessionId } from "../../../src/sessions/ids.js";
import { FileStore, idFromFileName } from "../../../src/sessions/stores/file.js";
import { tempDir } from "../../helpers/tmp.js";
import { describeStoreContract } from "../store-contract.js";

describeStoreContract("file", async () => {
  const store = new FileStore(path.join(tempDir(), "sessions"));
  // Corrupted in place with its expiry still ahead: only reading it can tell it is unreadable.
  const corrupt = async (id: string) => {
    const when = (Date.now() + 3_600_000) / 1000;
    writeFileSync(store.pathOf(id), "{not json");
    utimesSync(store.pathOf(id), when, when);
  };
  return { store, corrupt };
});

describe("file store specifics", () => {
  it("never lets an update in flight bring back a file that destroy() removed meanwhile", async () => {
    const store = new FileStore(path.join(tempDir(), "sessions"));
    const id = newSessionId();
    await store.set(id, { data: { n: 1 }, expiresAt: Date.now() + 60_000 });
    // A slow disk: the update's rename takes 20 ms, and destroy() comes while it is in flight.
    const rename = fs.rename.bind(fs);
    const destroys: Promise<void>[] = [];
    const spy = vi.spyOn(fs, "rename").mockImplementation(async (from, to) => {
      queueMicrotask(() => destroys.push(store.destroy(id)));
      await new Promise((r) => setTimeout(r, 20));
      return rename(from, to);
    });
    try {
      expect(await store.update(id, { data: { n: 2 }, expiresAt: Date.now() + 60_000 })).toBe(true);
      await Promise.all(destroys);
    } finally {
      spy.mockRestore();
    }
    expect(destroys).toHaveLength(1);
    expect(readdirSync(store.dir).filter((f) => f.startsWith("session-"))).toEqual([]);
  });

  it("creates the folder 0700 and files 0600, named session-<id>.json", async () => {
    const dir = path.join(tempDir(), "s");
    const store = new FileStore(dir);
    const id = newSessionId();
    await store.set(id, { data: { a: 1 }, expiresAt: Date.now() + 60_000 });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual([`session-${id}.json`]);
    expect(statSync(store.pathOf(id)).mode & 0o777).toBe(0o600);
  });

  it("keeps the expiry in the mtime so a touch does not rewrite the data", async () => {
    const store = new FileStore(tempDir());
    const id = newSessionId();
    await store.set(id, { data: { a: 1 }, expiresAt: Date.now() + 60_000 });
    const inode = statSync(store.pathOf(id)).ino;
    const later = Date.now() + 3_600_000;
    await store.touch(id, later);
    expect(statSync(store.pathOf(id)).ino).toBe(inode);
    expect(Math.abs(statSync(store.pathOf(id)).mtimeMs - later)).toBeLessThanOrEqual(1);
  });

  it("leaves foreign files alone when listing and purging", async () => {
    const dir = tempDir({ "notes.txt": "mine", "session-abc.json": "{}", "session-.json": "{}" });
    const store = new FileStore(dir);
    const seen = [];
    for await (const e of store.list()) seen.push(e);
    expect(seen).toEqual([]);
    await store.purge({ now: Date.now() + 10 ** 12, all: true });
    expect(readdirSync(dir).sort()).toEqual(["notes.txt", "session-.json", "session-abc.json"]);
  });

  it("accepts only id-shaped file names", () => {
    expect(idFromFileName(`session-${"a".repeat(40)}.json`)).toBe("a".repeat(40));
    expect(idFromFileName(`session-${"A".repeat(40)}.json`)).toBeUndefined();
    expect(idFromFileName("session-../../etc.json")).toBeUndefined();
  });
});
