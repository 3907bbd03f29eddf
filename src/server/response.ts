import { validateHeaderName, validateHeaderValue } from "node:http";
import path from "node:path";
import encodeUrl from "encodeurl";

/** What a handler receives second (docs/contract.md §2): status, headers, redirects and files. */
export interface Response {
  /** An integer from 200 to 599; anything else is a handler error (checked before the session is saved). */
  status: number;
  /** Any header; names are case-insensitive when sent. Names must be RFC 9110 tokens and values
   * must hold no CR, LF, NUL or character above U+00FF (checked before the session is saved). */
  headers: Record<string, string | number | string[]>;
  /** Answers with a redirect to `url` (303 See Other by default); non-ASCII characters, spaces and
   * control characters are percent-encoded (existing `%XX` escapes are kept), so CR/LF never reach
   * the Location header. */
  redirect(url: string, status?: number): void;
  /**
   * A file to return from the handler (`return response.file("report.pdf")`): sent as the static
   * handler sends files, with Content-Type from its extension, Content-Length, ETag, Last-Modified,
   * 304/412 from conditional requests and byte ranges (RFC 9110). A relative path is resolved against
   * the folder of RootServer.cfg; a missing file answers 404. `response.status` (e.g. 404 with an
   * error page) is the status of the whole file (no conditionals or ranges then).
   * A path from the request (`response.file(request.params.name)`) must be given with `root`: without
   * it `../../etc/passwd` or `.env` are served like any other path.
   * Throws TypeError when `path` is not a string or an option is not what FileOptions says.
   */
  file(path: string, options?: FileOptions): FileBody;
}

export interface FileOptions {
  /** The Content-Type; by default the one the static handler gives the file's extension. A header
   * value: no CR, LF, NUL or character above U+00FF. */
  type?: string;
  /** Sends `Content-Disposition: attachment` with this file name (true: the file's own name). */
  download?: string | boolean;
  /**
   * The folder `path` must stay inside (relative: to the folder of RootServer.cfg), as a static
   * folder is served: a path leaving it (`..`, an absolute path, a symlink leading out) or with a
   * segment starting with a dot (`.env`, `.git/config`) answers 404, as express's
   * `res.sendFile(path, { root })` and serve-static do.
   */
  root?: string;
}

/** A file a handler returns, made by `response.file()`. */
export class FileBody {
  constructor(
    /** Absolute path. */
    readonly path: string,
    readonly options: FileOptions,
    /** Absolute folder the file must be inside (FileOptions.root); checked when it is sent. */
    readonly root?: string,
  ) {}
}

/** A class, not a literal: no new method functions per request. */
class CherryResponse implements Response {
  status = 200;
  headers: Record<string, string | number | string[]> = {};
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  redirect(url: string, status = 303): void {
    this.status = status;
    this.headers.Location = encodeUrl(String(url));
  }

  file(file: string, options: FileOptions = {}): FileBody {
    if (typeof file !== "string")
      throw new TypeError(`response.file() takes a path string, got ${describe(file)}`);
    const problem = fileOptionsProblem(options);
    if (problem) throw new TypeError(problem);
    if (options.root === undefined) return new FileBody(path.resolve(this.#dir, file), options);
    const root = path.resolve(this.#dir, options.root);
    return new FileBody(path.resolve(root, file), options, root);
  }
}

/** `dir` is the folder relative paths given to `file()` are resolved against. */
export function createResponse(dir: string): Response {
  return new CherryResponse(dir);
}

/**
 * Why Node could not send this status and these headers, or undefined when it can. Statuses are
 * RFC 9110 §15's three digits, 1xx excluded (interim answers, never the final one); header names
 * and values are checked with Node's own validateHeaderName/validateHeaderValue.
 */
export function responseProblem(response: Response): string | undefined {
  const { status, headers } = response;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599)
    return `response.status must be an integer from 200 to 599, got ${describe(status)}`;
  if (typeof headers !== "object" || headers === null) return "response.headers must be an object";
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    try {
      validateHeaderName(name);
      for (const one of Array.isArray(value) ? value : [value]) {
        if (typeof one !== "string" && typeof one !== "number")
          return `header ${JSON.stringify(name)} must be a string, a number or an array of strings, got ${describe(one)}`;
        validateHeaderValue(name, String(one));
      }
    } catch (error) {
      return `invalid header ${JSON.stringify(name)}: ${(error as Error).message}`;
    }
  }
  return undefined;
}

/** Why `options` is not a FileOptions, or undefined (checked when the handler calls file()). */
function fileOptionsProblem(options: FileOptions): string | undefined {
  if (typeof options !== "object" || options === null) return "response.file() options must be an object";
  const { type, download, root } = options;
  if (type !== undefined) {
    if (typeof type !== "string")
      return `response.file() option type must be a string, got ${describe(type)}`;
    try {
      validateHeaderValue("Content-Type", type);
    } catch (error) {
      return `response.file() option type is not a header value: ${(error as Error).message}`;
    }
  }
  if (download !== undefined && typeof download !== "string" && typeof download !== "boolean")
    return `response.file() option download must be a string or a boolean, got ${describe(download)}`;
  if (root !== undefined && typeof root !== "string")
    return `response.file() option root must be a string, got ${describe(root)}`;
  return undefined;
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : `${String(value)} (${typeof value})`;
}
