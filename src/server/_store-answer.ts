/**
 * How a session-store failure is told: production answers name what failed in general terms
 * (paths and OS messages stay out of responses); the log line carries the detail.
 */
import { isCherryError } from "../errors.js";

/** The client's text for a store failure outside watch mode. */
export function generalTerms(error: unknown): string {
  if (isCherryError(error, "E_STORE_UNAVAILABLE")) return "session store unavailable";
  if (isCherryError(error, "E_SESSION_LOCK_TIMEOUT")) return "session busy, try again";
  return "session error";
}

/** For the log: the underlying error's message when the CherryError's own does not include it. */
export function causeOf(error: unknown, message: string): string {
  const cause = (error as { cause?: unknown })?.cause;
  const text = cause instanceof Error ? cause.message : cause === undefined ? "" : String(cause);
  return text && !message.includes(text) ? ` (${text})` : "";
}
