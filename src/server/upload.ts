/**
 * Uploaded files (multipart/form-data parts with a filename) as a handler sees them, and the folder
 * of temp files holding the large ones. A file up to UPLOAD_MEMORY_LIMIT bytes stays in memory; a
 * larger one is written to a temp file (mode 0600, in a 0700 folder of the system temp directory) that
 * is removed once the response is finished or the upload fails or is aborted.
 */
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { isAlive } from "../modules/loader.js";

const PREFIX = "cherry-uploads-";

/** Bytes of one uploaded file kept in memory; above it the file goes to a temp file. */
export const UPLOAD_MEMORY_LIMIT = 1024 * 1024;

/** One file of a multipart/form-data body: what an `<input type="file">` sent. */
export interface UploadedFile {
  /** The form field's name (the part's Content-Disposition `name`). */
  readonly field: string;
  /** The file name the client gave (Content-Disposition `filename`), without any folder part. */
  readonly filename: string;
  /** The part's media type, e.g. "image/png"; "application/octet-stream" when the client gave none. */
  readonly type: string;
  /** Bytes. */
  readonly size: number;
  /**
   * The temp file holding the content when it is over UPLOAD_MEMORY_LIMIT (1 MiB), else undefined.
   * cherry removes it after the response: copy or move it to keep it.
   */
  readonly path: string | undefined;
  /** The whole content (read from the temp file when there is one). */
  bytes(): Promise<Buffer>;
  /** The content decoded as UTF-8. */
  text(): Promise<string>;
  /** The content as a stream, for large files. */
  stream(): Readable;
}

export class StoredUpload implements UploadedFile {
  size = 0;
  path: string | undefined;
  content: Buffer | undefined;

  constructor(
    readonly field: string,
    readonly filename: string,
    readonly type: string,
  ) {}

  async bytes(): Promise<Buffer> {
    return this.path === undefined ? (this.content ?? Buffer.alloc(0)) : readFile(this.path);
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString("utf8");
  }

  stream(): Readable {
    return this.path === undefined
      ? Readable.from([this.content ?? Buffer.alloc(0)])
      : createReadStream(this.path);
  }

  /** A plain description, so that `JSON.stringify(request.params)` shows the file, not its bytes. */
  toJSON() {
    return { field: this.field, filename: this.filename, type: this.type, size: this.size };
  }
}

/**
 * One folder per server for the temp files of uploads (`cherry-uploads-<pid>-XXXXXX` in the system
 * temp directory), made on first use and removed at close; making it first removes the folders of
 * cherry processes that died without closing (SIGKILL, crash).
 */
export class UploadFolder {
  #dir: string | undefined;
  #count = 0;

  constructor(private readonly parent = tmpdir()) {}

  /** A fresh path inside the folder. */
  next(): string {
    // Made again when gone: temp cleaners (systemd-tmpfiles, tmpreaper) remove old folders of /tmp.
    if (this.#dir === undefined || !existsSync(this.#dir)) {
      removeOrphans(this.parent);
      this.#dir = mkdtempSync(path.join(this.parent, `${PREFIX}${process.pid}-`));
    }
    return path.join(this.#dir, `upload-${(this.#count++).toString(36)}`);
  }

  /** Removes the folder cherry made (and anything left in it). */
  remove(): void {
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}

/** Upload folders of this user's cherry processes that no longer run. */
function removeOrphans(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)-\\w{6}$`).exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    const folder = path.join(parent, name);
    try {
      if (statSync(folder).uid === process.getuid?.()) rmSync(folder, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to read.
    }
  }
}
