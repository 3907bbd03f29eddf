/**
 * The cookie store: the whole session lives in the browser, sealed with AES-256-GCM. Each key is
 * derived from one secret with HKDF-SHA256; the first key seals and every key opens (rotation).
 * A seal is base64url(version | key id (4) | iv (12) | ciphertext | tag (16)); the cookie name is
 * the associated data, so a seal cannot be replayed under another cookie name; the expiry is inside.
 * Only the canonical base64url spelling of a seal opens (no padding, no `+/`, no whitespace, unused
 * low bits of the last character zero), so one seal is one cookie value.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { randomBytesPooled } from "../_random.js";
import type { SessionData } from "../store.js";
import { storeDescriptor } from "./_descriptor.js";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KID_BYTES = 4;
/** What browsers keep of one cookie (name, value and attributes). */
export const COOKIE_LIMIT = 4096;

export interface SealedSession {
  id: string;
  data: SessionData;
  expiresAt: number;
}

interface Key {
  kid: Buffer;
  key: Buffer;
}

export interface OpenedSession extends SealedSession {
  /** Opened with a key other than the first: reseal with the current key. */
  stale: boolean;
}

export class CookieSealer {
  private readonly keys: Key[];
  private readonly aad: Buffer;

  /** `secret`: one secret or a comma-separated list, first = current. */
  constructor(secret: string, cookieName: string) {
    this.keys = secret
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => {
        const key = Buffer.from(hkdfSync("sha256", s, "cherry-cookie-store", "aes-256-gcm v1", 32));
        return { key, kid: createHash("sha256").update(key).digest().subarray(0, KID_BYTES) };
      });
    if (this.keys.length === 0) throw new Error("CookieSealer needs a secret");
    this.aad = Buffer.from(cookieName, "utf8");
  }

  /** `json`, when given, is `session.data` already serialized (the manager has it): not redone. */
  seal(session: SealedSession, json?: string): string {
    const { key, kid } = this.keys[0];
    const iv = randomBytesPooled(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(this.aad);
    const plain = `{"i":${JSON.stringify(session.id)},"d":${json ?? JSON.stringify(session.data)},"e":${session.expiresAt}}`;
    const body = cipher.update(plain, "utf8");
    cipher.final(); // GCM is a stream mode: final() adds no bytes, it computes the tag
    return Buffer.concat([Buffer.of(VERSION), kid, iv, body, cipher.getAuthTag()]).toString("base64url");
  }

  /** The session inside a seal, or undefined for anything tampered, truncated, foreign or malformed. */
  open(value: string): OpenedSession | undefined {
    if (value.length > COOKIE_LIMIT * 2 || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
    const raw = Buffer.from(value, "base64url");
    // One seal, one spelling: Node's decoder ignores the unused low bits of the last character (and
    // padding), so other spellings would open too. Only the canonical re-encoding is accepted.
    if (raw.toString("base64url") !== value) return undefined;
    if (raw.length < 1 + KID_BYTES + IV_BYTES + TAG_BYTES || raw[0] !== VERSION) return undefined;
    const kid = raw.subarray(1, 1 + KID_BYTES);
    const index = this.keys.findIndex((k) => k.kid.equals(kid));
    if (index === -1) return undefined;
    const iv = raw.subarray(1 + KID_BYTES, 1 + KID_BYTES + IV_BYTES);
    const body = raw.subarray(1 + KID_BYTES + IV_BYTES, raw.length - TAG_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.keys[index].key, iv)
        .setAAD(this.aad)
        .setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
      const parsed = JSON.parse(plain) as { i?: unknown; d?: unknown; e?: unknown };
      if (
        typeof parsed.i !== "string" ||
        typeof parsed.e !== "number" ||
        typeof parsed.d !== "object" ||
        !parsed.d
      ) {
        return undefined;
      }
      return { id: parsed.i, data: parsed.d as SessionData, expiresAt: parsed.e, stale: index !== 0 };
    } catch {
      return undefined;
    }
  }
}

/**
 * The cookie store has no server-side store: it opens a sealer, which the manager uses in its place.
 * Its key is `secret`, else `[server] siteKey`; the cookie name is the associated data, so all three
 * make a new sealer when they change.
 */
export const descriptor = storeDescriptor({
  name: "cookie",
  keys: ["session.secret", "session.cookieName", "server.siteKey"],
  sharing: "processes",
  validate(config, { report, failed }) {
    const { session, server } = config;
    const secretFailed = failed.has("session.secret") || failed.has("server.siteKey");
    if (session.secret === "" && server.siteKey === "" && !secretFailed) {
      report(
        "session.secret",
        'the cookie store needs a secret of 32+ random characters (expected secret or [server] siteKey, got "")',
      );
    }
  },
  open: async ({ session, server }) => ({
    sealer: new CookieSealer(session.secret || server.siteKey, session.cookieName),
  }),
  init: {
    // RootServer.cfg is committed with the app: the secret goes to the git-ignored `.env` beside
    // it, which cherry reads as the environment (src/config/_dotenv.ts).
    lines: [
      "storageType = cookie",
      "; secret: CHERRY_SESSION_SECRET, read from the environment or from .env (git-ignored, never commit it)",
    ],
    /** A fresh random key of 36 bytes, 48 base64url characters, above the 32 the store requires. */
    env: () =>
      [
        "# Secrets of this app: git-ignored, mode 0600. Never commit this file.",
        "# cherry reads CHERRY_<SECTION>_<KEY> lines here; a variable set in the environment wins.",
        "# In production set CHERRY_SESSION_SECRET in the environment instead.",
        `CHERRY_SESSION_SECRET=${randomBytes(36).toString("base64url")}`,
        "",
      ].join("\n"),
  },
  notAdministrable:
    "the cookie store keeps each session sealed in its browser: there is nothing on the server to list or purge",
});
