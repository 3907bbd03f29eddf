import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { newSessionId } from "../../../src/sessions/ids.js";
import { SqliteStore } from "../../../src/sessions/stores/sqlite.js";
import { tempDir } from "../../helpers/tmp.js";
import { describeStoreContract } from "../store-contract.js";

describeStoreContract("sqlite", async () => {
  const file = path.join(tempDir(), "sessions.db");
  const store = new SqliteStore(file);
  const corrupt = async (id: string) => {
    const db = new Database(file);
    db.prepare("UPDATE cherry_sessions SET data = '{broken' WHERE id = ?").run(id);
    db.close();
  };
  return { store, corrupt };
});

describe("sqlite store specifics", () => {
  it("uses WAL and lets two processes' handles share one file", async () => {
    const file = path.join(tempDir(), "shared.db");
    const a = new SqliteStore(file);
    const b = new SqliteStore(file);
    const id = newSessionId();
    a.set(id, { data: { from: "a" }, expiresAt: Date.now() + 60_000 });
    expect(b.get(id)?.data).toEqual({ from: "a" });
    const db = new Database(file);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
    a.close();
    b.close();
  });
});
