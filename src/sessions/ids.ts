import { randomBytesPooled } from "./_random.js";

const ID_SHAPE = /^[0-9a-f]{40}$/;

/** 40 lowercase hex characters from 20 cryptographically random bytes (160 bits). */
export function newSessionId(): string {
  return randomBytesPooled(20).toString("hex");
}

/** Anything that is not exactly the shape of an id is ignored before any store is asked. */
export function isSessionId(value: unknown): value is string {
  return typeof value === "string" && value.length === 40 && ID_SHAPE.test(value);
}

/** A cross-process lock's owner token (96 random bits): a holder releases only its own lock. */
export function lockToken(): string {
  return randomBytesPooled(12).toString("hex");
}
