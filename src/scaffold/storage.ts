import { randomBytes } from "node:crypto";

export const INIT_STORAGES = ["ram", "file", "cookie", "sqlite", "redis", "postgres"] as const;
export type InitStorage = (typeof INIT_STORAGES)[number];

/** The [session] lines for `cherry init --storage TYPE`; cookie gets a fresh random secret. */
export function storageLines(storage: InitStorage): string[] {
  switch (storage) {
    case "ram":
      return ["storageType = ram"];
    case "file":
      return ["storageType = file", "storageFileDir = sessions"];
    case "cookie":
      return ["storageType = cookie", `secret = ${randomBytes(36).toString("base64url")}`];
    case "sqlite":
      return ["storageType = sqlite", "storageFile = sessions.db"];
    case "redis":
      return ["storageType = redis", "storageUrl = redis://127.0.0.1:6379/0"];
    case "postgres":
      return ["storageType = postgres", "storageUrl = postgres://postgres@127.0.0.1:5432/postgres"];
  }
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
