/**
 * The runtime builder (src/server/runtime.ts): which parts the next runtime takes over from the
 * current one for each kind of change, and the sweep schedule that waits out intervals longer than
 * Node's timers hold (src/server/_repeat.ts).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { LONGEST_TIMER_MS, repeatEvery } from "../../src/server/_repeat.js";
import {
  buildRuntime,
  disposeUnused,
  type PartName,
  type Runtime,
  type RuntimeOptions,
  reusedParts,
} from "../../src/server/runtime.js";
import { UploadFolder } from "../../src/server/upload.js";
import { COUNTER } from "../helpers/app.js";
import { tempDir } from "../helpers/tmp.js";

const BASE = "[session]\nstorageType = ram\n";
const options: RuntimeOptions = { watch: false, uploads: new UploadFolder() };
const live: Runtime[] = [];
afterAll(() => options.uploads.remove());
afterEach(async () => {
  for (const runtime of live.splice(0).reverse()) await disposeUnused(runtime);
});

/** Builds the runtime of BASE, then the next one after `change`; gives both. */
async function rebuild(change: { cfg?: string; code?: string }): Promise<[Runtime, Runtime]> {
  const dir = tempDir({ "src/root.ts": COUNTER, "src/other.ts": COUNTER, "RootServer.cfg": BASE });
  const file = path.join(dir, "RootServer.cfg");
  const current = await buildRuntime(loadConfig({ configPath: file }), undefined, options);
  live.push(current);
  if (change.cfg !== undefined) writeFileSync(file, change.cfg);
  if (change.code !== undefined) writeFileSync(path.join(dir, "src/root.ts"), change.code);
  const config = change.cfg === undefined ? current.config : loadConfig({ configPath: file });
  const next = await buildRuntime(config, current, options, change.code !== undefined);
  // The parts next took over are disposed with it, not twice.
  live.splice(live.indexOf(current), 1);
  await disposeUnused(current, next);
  live.push(next);
  return [current, next];
}

const ALL: PartName[] = ["logger", "builder", "store", "sessions", "sweep", "static"];
const but = (...dropped: PartName[]) => ALL.filter((part) => !dropped.includes(part));

describe("the runtime builder reuses a part only when its keys are unchanged", () => {
  it.each<[string, { cfg?: string; code?: string }, PartName[], boolean]>([
    // what changed, the change, the parts reused, whether the app (root) is the same object
    ["a save that leaves the bundle the same", { code: COUNTER }, ALL, true],
    ["an edit of the app's code", { code: COUNTER.replace("Hello", "Hi") }, ALL, false],
    ["[session] timeout", { cfg: `${BASE}timeout = 5\n` }, ALL, true],
    [
      "[session] ramMaxSessions (applied to the kept store)",
      { cfg: `${BASE}ramMaxSessions = 10\n` },
      ALL,
      true,
    ],
    ["[server] maxFileUploads", { cfg: `[server]\nmaxFileUploads = 5\n${BASE}` }, ALL, true],
    ["[session] cleanUpDelay", { cfg: `${BASE}cleanUpDelay = 5\n` }, but("sweep"), true],
    ["[staticContent]", { cfg: `${BASE}[staticContent]\nstatic = public\n` }, but("static"), true],
    [
      "[server] logFile (the session manager and its locks stay, with the new logger)",
      { cfg: `[server]\nlogFile = access.log\n${BASE}` },
      but("logger", "static"),
      true,
    ],
    [
      "[session] storageType ram -> file",
      { cfg: "[session]\nstorageType = file\nstorageFileDir = sessions\n" },
      but("store", "sessions", "sweep", "static"),
      true,
    ],
    [
      "[server] appModule",
      { cfg: `[server]\nappModule = src/other.ts\n${BASE}` },
      but("builder", "static"),
      false,
    ],
  ])("%s", async (_, change, reused, sameApp) => {
    const [current, next] = await rebuild(change);
    expect(reusedParts(current, next)).toEqual(reused);
    expect(next.app === current.app).toBe(sameApp);
    expect(next.state.root).toBeDefined();
  });

  it("a store that cannot be reached: the build fails and the current runtime is untouched", async () => {
    const dir = tempDir({ "src/root.ts": COUNTER, "RootServer.cfg": BASE });
    const file = path.join(dir, "RootServer.cfg");
    const current = await buildRuntime(loadConfig({ configPath: file }), undefined, options);
    live.push(current);
    writeFileSync(
      file,
      "[server]\nappModule = src/root.ts\nlogFile = x.log\n[session]\nstorageType = sqlite\nstorageFile = no/such/folder/s.db\n",
    );
    await expect(buildRuntime(loadConfig({ configPath: file }), current, options)).rejects.toThrow();
    expect(current.sessions.backend).toBe(current.backend);
    expect(current.config.session.storageType).toBe("ram");
    // The current runtime still builds its app: its esbuild context was not disposed.
    expect((await current.builder.build()).ok).toBe(true);
  });
});

describe("the sweep schedule", () => {
  afterEach(() => vi.useRealTimers());

  it("waits out an interval longer than Node's timers hold, in steps, and repeats it", () => {
    vi.useFakeTimers();
    const day = 24 * 60 * 60_000;
    let sweeps = 0;
    const schedule = repeatEvery(30 * day, () => sweeps++);
    expect(30 * day).toBeGreaterThan(LONGEST_TIMER_MS);
    vi.advanceTimersByTime(30 * day - 1);
    expect(sweeps).toBe(0);
    vi.advanceTimersByTime(1);
    expect(sweeps).toBe(1);
    vi.advanceTimersByTime(30 * day);
    expect(sweeps).toBe(2);
    schedule.cancel();
    vi.advanceTimersByTime(60 * day);
    expect(sweeps).toBe(2);
  });

  it("a short interval runs on time", () => {
    vi.useFakeTimers();
    let sweeps = 0;
    const schedule = repeatEvery(60_000, () => sweeps++);
    vi.advanceTimersByTime(180_000);
    expect(sweeps).toBe(3);
    schedule.cancel();
  });
});
