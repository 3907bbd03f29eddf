/**
 * The error catalogue: every code cherry reports, the exit code a command ends with when it fails
 * with it, the HTTP status a request is answered with when it fails with it, and what it means
 * (docs/contract.md §6). Outside tools match on codes: never rename or reuse one; a new kind of
 * failure gets a new code here. `npm run docs` renders this table into the README's "Error codes";
 * test/errors.test.ts fails when the two drift, when a code thrown in `src/` is missing here, or when a
 * row here is thrown nowhere.
 */
interface CatalogueEntry {
  /** Exit code of a command that ends with this error; null: it never ends a command (request-only). */
  exit: 1 | 2 | null;
  /** Status of a request that fails with this error; null: it never answers a request. */
  http: 400 | 413 | 500 | 503 | null;
  /** One sentence for the README table. */
  meaning: string;
}

export const ERROR_CATALOGUE = {
  E_CONFIG_INVALID: {
    exit: 2,
    http: null,
    meaning:
      "RootServer.cfg, a `CHERRY_*` variable or a flag has problems (each printed as `FILE:LINE` or with the flag's name), or a TLS file or `socketFile` cannot be used",
  },
  E_CONFIG_NOT_FOUND: {
    exit: 2,
    http: null,
    meaning: "the config file (`-c`, default `./RootServer.cfg`) is missing, a folder or unreadable",
  },
  E_CONFIG_WRITE: {
    exit: 1,
    http: null,
    meaning: "`cherry config set|unset|edit` could not write the file; it is unchanged",
  },
  E_USAGE: {
    exit: 2,
    http: null,
    meaning:
      "a command got arguments it cannot use: flags that exclude each other, an unknown key, a value that would not read back as given",
  },
  E_TEMPLATE: {
    exit: 2,
    http: null,
    meaning:
      "`cherry init` got an unknown template or storage type, or `--storage` with the custom-store template",
  },
  E_TARGET_NOT_EMPTY: {
    exit: 1,
    http: null,
    meaning: "`cherry init`'s folder is not empty (or is a file); `--force` or `--overwrite` to proceed",
  },
  E_SCAFFOLD: {
    exit: 1,
    http: null,
    meaning: "`cherry init` cannot pack the running cherry into the app's `vendor/`",
  },
  E_PORT_IN_USE: {
    exit: 1,
    http: null,
    meaning: "another server holds the port or socket, or this user may not listen on it",
  },
  E_APP_BUILD: {
    exit: 1,
    http: 500,
    meaning:
      "the app module or a custom store's module does not build or load; `--no-watch` does not start, watch mode answers with the error until it is fixed",
  },
  E_STORE_UNAVAILABLE: {
    exit: 1,
    http: 503,
    meaning:
      "the session store cannot be reached or used (down, refused, files others may read); requests answer with `Retry-After: 1` and cherry reconnects by itself",
  },
  E_STORE_UNSUPPORTED: {
    exit: 1,
    http: null,
    meaning:
      "`cherry sessions` asked a store for what it cannot do (`ram` and `cookie` keep no list; a custom store without `listSessions()`)",
  },
  E_CUSTOM_STORE: {
    exit: 1,
    http: 500,
    meaning: "a custom store function threw: app code, logged with its stack under `[store:custom]`",
  },
  E_SESSION_LOCK_TIMEOUT: {
    exit: null,
    http: 503,
    meaning: "another request or process held the session's lock too long (`locking = implicit`)",
  },
  E_SESSION_VALUE: {
    exit: null,
    http: 500,
    meaning:
      "a session value the store cannot keep (not JSON-safe, or refused by a `jsonb` column); names the key, nothing saved",
  },
  E_SESSION_TOO_LARGE: {
    exit: null,
    http: 500,
    meaning: "a session over the cookie store's 4096 bytes or over `ramMaxBytes`; nothing saved",
  },
  E_SESSIONS_DISABLED: {
    exit: null,
    http: 500,
    meaning:
      "a handler used `request.sessionMap` or `request.session` while `[session] storageType` is empty",
  },
  E_UNSENDABLE: {
    exit: null,
    http: 500,
    meaning:
      "a handler returned a value cherry cannot send (a class instance, a Map, a used stream); names its type",
  },
  E_REQUEST_MALFORMED: {
    exit: null,
    http: 400,
    meaning: "a request body that cannot be read: malformed JSON or multipart, a client gone mid-upload",
  },
  E_REQUEST_TOO_LARGE: {
    exit: null,
    http: 413,
    meaning:
      "a request over a limit (`maxRequestBodySize`, `maxFileUploads`, `maxFileSize`, `maxFormFields`, field counts, JSON depth); names the limit",
  },
  E_SESSION_NOT_FOUND: {
    exit: 1,
    http: null,
    meaning: "`cherry sessions show` got an unknown, expired or malformed id",
  },
  E_ABORTED: {
    exit: 1,
    http: null,
    meaning: "`cherry sessions purge --all` was not confirmed; nothing removed",
  },
} as const satisfies Record<string, CatalogueEntry>;

/** Stable error codes: see ERROR_CATALOGUE. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

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

  /** What the CLI exits with (docs/contract.md §5); 1 for a request-only code that ends a command. */
  get exitCode(): number {
    return ERROR_CATALOGUE[this.code].exit ?? 1;
  }

  /** What a request that fails with this error is answered with; 500 for a code outside requests. */
  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].http ?? 500;
  }
}

export function isCherryError(error: unknown, code?: ErrorCode): error is CherryError {
  return error instanceof CherryError && (code === undefined || error.code === code);
}

/** The README's "Error codes" table (`npm run docs`; test/errors.test.ts checks they agree). */
export function renderErrorCodes(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(
    ([code, e]: [string, CatalogueEntry]) =>
      `| \`${code}\` | ${e.exit ?? "—"} | ${e.http ?? "—"} | ${e.meaning.replaceAll("|", "\\|")} |`,
  );
  return ["| code | exit | HTTP | meaning |", "|---|---|---|---|", ...rows].join("\n");
}
