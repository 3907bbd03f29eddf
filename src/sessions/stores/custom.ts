/**
 * CherryPy 0.10's "write your own storage functions" (docs/contract.md §4): the app (or
 * `storageModule`) exports saveSessionData(sessionId, sessionData, expirationTime),
 * loadSessionData(sessionId) returning [sessionData, expirationTime] or null, and
 * cleanUpOldSessions(). expirationTime is epoch seconds as a float, as Python's time.time().
 * deleteSessionData(sessionId) and listSessions() are optional.
 *
 * Or `storageModule` default-exports a store of cherry's own contract (src/sessions/store.ts),
 * written with `defineStore({ get, set, destroy, … })` or as a class instance: used as it is.
 */
import { CherryError } from "../../errors.js";
import { isSessionId } from "../ids.js";
import type { PurgeResult, SessionData, SessionListing, SessionStore, StoredSession } from "../store.js";
import { storeDescriptor } from "./_descriptor.js";

type Awaitable<T> = T | Promise<T>;

export interface CustomStoreFunctions {
  saveSessionData(sessionId: string, sessionData: SessionData, expirationTime: number): Awaitable<unknown>;
  loadSessionData(
    sessionId: string,
  ): Awaitable<readonly [SessionData, number] | [SessionData, number] | null | undefined>;
  cleanUpOldSessions(): Awaitable<unknown>;
  deleteSessionData?(sessionId: string): Awaitable<unknown>;
  listSessions?(): Awaitable<Iterable<ListedSession>> | AsyncIterable<ListedSession>;
}

/** What listSessions() yields: an id and expirationTime (seconds), data optional. */
export interface ListedSession {
  sessionId: string;
  expirationTime: number;
  sessionData?: SessionData;
}

const REQUIRED = ["saveSessionData", "loadSessionData", "cleanUpOldSessions"] as const;

/** The names of required functions that `exports` lacks. */
export function missingCustomFunctions(exports: Record<string, unknown>): string[] {
  return REQUIRED.filter((name) => typeof exports[name] !== "function");
}

/**
 * The default export of `exports` when it is a store (an object with get, set and destroy
 * functions, e.g. `export default defineStore({ … })`), else undefined.
 */
export function defaultStore(exports: Record<string, unknown>): SessionStore | undefined {
  const store = exports.default as Record<string, unknown> | undefined;
  if (typeof store !== "object" || store === null) return undefined;
  const methods = ["get", "set", "destroy"];
  return methods.every((name) => typeof store[name] === "function")
    ? (store as unknown as SessionStore)
    : undefined;
}

export class CustomStore implements SessionStore {
  constructor(private readonly fns: CustomStoreFunctions) {}

  async get(id: string): Promise<StoredSession | undefined> {
    const record = await call("loadSessionData", () => this.fns.loadSessionData(id));
    if (!record) return undefined;
    const [data, expirationTime] = record;
    if (typeof data !== "object" || data === null || typeof expirationTime !== "number") {
      throw new CherryError(
        "E_STORE_UNAVAILABLE",
        "[store:custom] loadSessionData must return [sessionData, expirationTime] or null",
      );
    }
    return { data: data as SessionData, expiresAt: expirationTime * 1000 };
  }

  async set(id: string, session: StoredSession): Promise<void> {
    await call("saveSessionData", () => this.fns.saveSessionData(id, session.data, session.expiresAt / 1000));
  }

  /**
   * 0.10's functions have no conditional write: the record is loaded first and saved only if it is
   * there. When the functions are synchronous, nothing runs in between (no await); async ones leave
   * the window of their own round trips.
   */
  update(id: string, session: StoredSession): boolean | Promise<boolean> {
    const save = (record: Awaited<ReturnType<CustomStoreFunctions["loadSessionData"]>>) => {
      // destroy() without deleteSessionData leaves a record that expired at 0: that one is gone too.
      if (!record || !(record[1] > 0)) return false;
      const saved = attempt("saveSessionData", () =>
        this.fns.saveSessionData(id, session.data, session.expiresAt / 1000),
      );
      return saved instanceof Promise ? saved.then(() => true) : true;
    };
    const record = attempt("loadSessionData", () => this.fns.loadSessionData(id));
    return record instanceof Promise ? record.then(save) : save(record);
  }

  async destroy(id: string): Promise<void> {
    if (this.fns.deleteSessionData) {
      await call("deleteSessionData", () => this.fns.deleteSessionData?.(id));
      return;
    }
    // 0.10 had no delete: an already-expired record is absent to the manager and goes at the next cleanup.
    await call("saveSessionData", () => this.fns.saveSessionData(id, {}, 0));
  }

  async purge(): Promise<PurgeResult> {
    await call("cleanUpOldSessions", () => this.fns.cleanUpOldSessions());
    return { removed: Number.NaN, kept: Number.NaN, unreadable: 0 };
  }

  get list(): (() => AsyncIterable<SessionListing>) | undefined {
    const listSessions = this.fns.listSessions;
    if (!listSessions) return undefined;
    return async function* () {
      const listed = await call("listSessions", () => listSessions());
      for await (const s of listed as AsyncIterable<ListedSession>) {
        // What the app keeps beside its sessions may come along: only session ids are listed.
        if (!isSessionId(s?.sessionId) || typeof s.expirationTime !== "number") continue;
        const bytes = s.sessionData ? Buffer.byteLength(JSON.stringify(s.sessionData)) : 0;
        yield { id: s.sessionId, expiresAt: s.expirationTime * 1000, bytes, data: s.sessionData };
      }
    };
  }
}

/** call(), synchronous when the function is: a sync result is returned as is, not awaited. */
function attempt<T>(name: string, fn: () => T | Promise<T>): T | Promise<T> {
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (error) {
    throw threw(name, error);
  }
  if (!(result instanceof Promise)) return result;
  return result.catch((error: unknown) => {
    throw threw(name, error);
  });
}

/** A custom function that throws fails the request with a 500 (it is app code, not an outage). */
async function call<T>(name: string, fn: () => Awaitable<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw threw(name, error);
  }
}

/** E_CUSTOM_STORE: app code failed, not an outage (a 500, its stack logged under [store:custom]). */
function threw(functionName: string, cause: unknown): CherryError {
  const message = `custom store function ${functionName}() threw: ${(cause as Error)?.message ?? String(cause)}`;
  return new CherryError("E_CUSTOM_STORE", message, { cause });
}

/**
 * The store is the user's module, built with the app and opened again after each rebuild of it;
 * which module is `storageModule` (else the app module), so that key is its one input.
 */
export const descriptor = storeDescriptor({
  name: "custom",
  keys: ["session.storageModule"],
  sharing: "processes",
  userModule: true,
  async open(config, exports = {}) {
    const { storageModule } = config.session;
    // The app module's default export is the app: only storageModule's can be the store.
    const own = storageModule ? defaultStore(exports) : undefined;
    const missing = missingCustomFunctions(exports);
    if (missing.length === 0) return { store: new CustomStore(exports as unknown as CustomStoreFunctions) };
    if (own) return { store: own };
    const where = storageModule || config.server.appModule;
    throw new CherryError(
      "E_APP_BUILD",
      `storageType = custom, but ${where} does not export ${missing.join(", ")}`,
      {
        hint: "export saveSessionData, loadSessionData and cleanUpOldSessions (the README's Sessions table), or set [session] storageModule to a module whose default export is a store: export default defineStore({ get, set, destroy })",
      },
    );
  },
  describe: (config, relative) =>
    `the custom store of ${relative(config.session.storageModule || config.server.appModule)}`,
});
