/** Stable error codes: outside tools match on these, so never rename one. */
export type ErrorCode =
  | "E_CONFIG_INVALID"
  | "E_CONFIG_NOT_FOUND"
  /** `cherry config set|unset|edit` could not write the file (exit 1: the file is unchanged). */
  | "E_CONFIG_WRITE"
  | "E_USAGE"
  | "E_PORT_IN_USE"
  | "E_APP_BUILD"
  | "E_STORE_UNAVAILABLE"
  | "E_STORE_UNSUPPORTED"
  | "E_SESSION_VALUE"
  | "E_SESSION_TOO_LARGE"
  | "E_SESSIONS_DISABLED"
  | "E_SESSION_LOCK_TIMEOUT"
  | "E_SESSION_NOT_FOUND"
  | "E_TEMPLATE"
  | "E_TARGET_NOT_EMPTY"
  | "E_SCAFFOLD"
  | "E_ABORTED";

/** Exit code the CLI uses for each error that reaches the top level (docs/contract.md §5). */
const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  E_CONFIG_INVALID: 2,
  E_CONFIG_NOT_FOUND: 2,
  E_USAGE: 2,
  E_TEMPLATE: 2,
};

export interface CherryErrorOptions {
  cause?: unknown;
  hint?: string;
  /** Extra lines printed under the message (config problems, one per line). */
  details?: string[];
}

/** An error meant for a user: a one-line message they can act on, never a stack. */
export class CherryError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details: string[];

  constructor(code: ErrorCode, message: string, options: CherryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CherryError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }

  get exitCode(): number {
    return EXIT_CODES[this.code] ?? 1;
  }
}

export function isCherryError(error: unknown, code?: ErrorCode): error is CherryError {
  return error instanceof CherryError && (code === undefined || error.code === code);
}
