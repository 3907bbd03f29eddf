import { randomBytes } from "node:crypto";

export const INIT_STORAGES = ["ram", "file", "cookie", "sqlite", "redis", "postgres"] as const;
export type InitStorage = (typeof INIT_STORAGES)[number];

/**
 * The [session] lines for `cherry init --storage TYPE`. The cookie store's secret is not among them:
 * RootServer.cfg is committed with the app, so the secret goes to the git-ignored `.env` beside it
 * (see secretEnvFile), which cherry reads as the environment (src/config/_dotenv.ts).
 */
export function storageLines(storage: InitStorage): string[] {
  switch (storage) {
    case "ram":
      return ["storageType = ram"];
    case "file":
      return ["storageType = file", "storageFileDir = sessions"];
    case "cookie":
      return [
        "storageType = cookie",
        "; secret: CHERRY_SESSION_SECRET, read from the environment or from .env (git-ignored, never commit it)",
      ];
    case "sqlite":
      return ["storageType = sqlite", "storageFile = sessions.db"];
    case "redis":
      return ["storageType = redis", "storageUrl = redis://127.0.0.1:6379/0"];
    case "postgres":
      return ["storageType = postgres", "storageUrl = postgres://postgres@127.0.0.1:5432/postgres"];
  }
}

/**
 * The `.env` text holding a generated secret, for the stores that need one (cookie: a fresh random
 * key of 36 bytes, 48 base64url characters, above the 32 the store requires); undefined otherwise.
 */
export function secretEnvFile(storage: InitStorage): string | undefined {
  if (storage !== "cookie") return undefined;
  return [
    "# Secrets of this app: git-ignored, mode 0600. Never commit this file.",
    "# cherry reads CHERRY_<SECTION>_<KEY> lines here; a variable set in the environment wins.",
    "# In production set CHERRY_SESSION_SECRET in the environment instead.",
    `CHERRY_SESSION_SECRET=${randomBytes(36).toString("base64url")}`,
    "",
  ].join("\n");
}

const STORE_KEYS = /^\s*(storageType|storageFileDir|storageFile|storageUrl|storageModule|secret)\s*=/;

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
    if (inSession && STORE_KEYS.test(line)) {
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
