import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/log.js";
import { SessionManager } from "../../src/sessions/manager.js";
import type { SessionStore } from "../../src/sessions/store.js";
import { tempDir } from "../helpers/tmp.js";

describe("sweeps never overlap", () => {
  it("a sweep started while a slow purge runs is skipped, and the next one after it runs", async () => {
    let running = 0;
    let most = 0;
    let calls = 0;
    const store: SessionStore = {
      get: () => undefined,
      set: () => undefined,
      destroy: () => undefined,
      async purge() {
        calls++;
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 50));
        running--;
        return { removed: 0, kept: 0, unreadable: 0 };
      },
    };
    const quiet = { write: () => true } as unknown as NodeJS.WriteStream;
    const manager = new SessionManager({
      config: loadConfig({ cwd: tempDir({ "RootServer.cfg": "[session]\nstorageType = ram\n" }) }).session,
      backend: { store },
      logger: createLogger({ stdout: quiet, stderr: quiet }),
    });
    await Promise.all([manager.sweep(), manager.sweep(), manager.sweep()]);
    expect([calls, most]).toEqual([1, 1]);
    await manager.sweep();
    expect(calls).toBe(2);
  });
});
