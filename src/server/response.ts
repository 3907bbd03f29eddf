import path from "node:path";

/** What a handler receives second (DESIGN.md §2): status, headers, redirects and files. */
export interface Response {
  status: number;
  /** Any header; names are case-insensitive when sent. */
  headers: Record<string, string | number | string[]>;
  /** Answers with a redirect to `url` (303 See Other by default). */
  redirect(url: string, status?: number): void;
  /**
   * A file to return from the handler (`return response.file("report.pdf")`): sent as the static
   * handler sends files, with Content-Type from its extension, Content-Length, ETag, Last-Modified,
   * 304/412 from conditional requests and byte ranges (RFC 9110). A relative path is resolved against
   * the folder of RootServer.cfg; a missing file answers 404.
   */
  file(path: string, options?: FileOptions): FileBody;
}

export interface FileOptions {
  /** The Content-Type; by default the one the static handler gives the file's extension. */
  type?: string;
  /** Sends `Content-Disposition: attachment` with this file name (true: the file's own name). */
  download?: string | boolean;
}

/** A file a handler returns, made by `response.file()`. */
export class FileBody {
  constructor(
    /** Absolute path. */
    readonly path: string,
    readonly options: FileOptions,
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
    this.headers.Location = url;
  }

  file(file: string, options: FileOptions = {}): FileBody {
    return new FileBody(path.resolve(this.#dir, file), options);
  }
}

/** `dir` is the folder relative paths given to `file()` are resolved against. */
export function createResponse(dir: string): Response {
  return new CherryResponse(dir);
}
