import { STORES, type StoreName } from "../sessions/stores/index.js";

/** The stores `cherry init --storage` offers: those whose descriptor has `init` lines. */
export const INIT_STORAGES: readonly StoreName[] = STORES.filter((d) => d.init).map((d) => d.name);
export type InitStorage = StoreName;

function initOf(storage: InitStorage) {
  const init = STORES.find((d) => d.name === storage)?.init;
  if (!init) throw new Error(`cherry init cannot set up the ${storage} store`);
  return init;
}

/**
 * The [session] lines for `cherry init --storage TYPE`, from the store's descriptor. A secret is
 * never among them: RootServer.cfg is committed with the app, so it goes to the git-ignored `.env`
 * beside it (see secretEnvFile), which cherry reads as the environment (src/config/_dotenv.ts).
 */
export function storageLines(storage: InitStorage): readonly string[] {
  return initOf(storage).lines;
}

/** The `.env` text holding a generated secret, for the stores that need one (cookie); undefined otherwise. */
export function secretEnvFile(storage: InitStorage): string | undefined {
  return initOf(storage).env?.();
}

/**
 * The [session] lines a rewrite replaces: storageType, and every key some store's init lines set
 * (the template's store, whichever it is, is written with the same keys).
 */
const STORE_KEYS = new Set(
  [
    "storagetype",
    ...STORES.flatMap((d) => d.init?.lines ?? []).map((line) => /^(\w+)\s*=/.exec(line)?.[1].toLowerCase()),
  ].filter((key): key is string => key !== undefined),
);

function isStoreKeyLine(line: string): boolean {
  const key = /^\s*(\w+)\s*[=:]/.exec(line)?.[1];
  return key !== undefined && STORE_KEYS.has(key.toLowerCase());
}

/** Rewrites the [session] section of a RootServer.cfg text: store keys replaced, the rest kept. */
export function rewriteSession(cfg: string, storage: InitStorage): string {
  const lines = cfg.split("\n");
  const out: string[] = [];
  let inSession = false;
  let placed = false;
  for (const line of lines) {
    const header = /^\s*\[([^\]]+)\]/.exec(line);
    if (header) {
      if (inSession && !placed) {
        out.splice(out.length - trailingBlank(out), 0, ...storageLines(storage));
        placed = true;
      }
      inSession = header[1].trim() === "session";
      out.push(line);
      continue;
    }
    if (inSession && isStoreKeyLine(line)) {
      if (!placed) out.push(...storageLines(storage));
      placed = true;
      continue;
    }
    out.push(line);
  }
  if (!placed) {
    if (!inSession) out.push("", "[session]");
    out.push(...storageLines(storage));
  }
  return out.join("\n");
}

function trailingBlank(lines: string[]): number {
  let n = 0;
  while (n < lines.length && lines[lines.length - 1 - n].trim() === "") n++;
  return n;
}
