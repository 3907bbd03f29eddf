/**
 * multipart/form-data bodies (RFC 7578), parsed as they arrive by busboy: text fields as
 * [name, value] pairs, files as StoredUpload (memory or temp file, see upload.ts). Each limit is a
 * 413 naming it; a failed or aborted upload leaves no temp file behind.
 */
import { open, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import type { ServerConfig } from "../config/types.js";
import { CherryError } from "../errors.js";
import { addField } from "./_fields.js";
import { StoredUpload, UPLOAD_MEMORY_LIMIT, type UploadFolder } from "./upload.js";

/** busboy's default for one text field, kept: a longer value is a 413. */
const FIELD_SIZE = 1024 * 1024;

/** The [server] keys that bound a multipart body (src/config/schema.ts). */
export type MultipartLimits = Pick<
  ServerConfig,
  "maxRequestBodySize" | "maxFileUploads" | "maxFileSize" | "maxFormFields"
>;

export interface Form {
  fields: Array<[string, string]>;
  files: StoredUpload[];
  /** Removes the temp files; call once the response is finished. */
  dispose(): Promise<void>;
}

export function isMultipart(contentType: string | undefined): boolean {
  return /^\s*multipart\/form-data\s*(;|$)/i.test(contentType ?? "");
}

/** Reads a multipart/form-data request; throws E_REQUEST_MALFORMED (400) or E_REQUEST_TOO_LARGE (413). */
export async function readMultipart(
  req: IncomingMessage,
  limits: MultipartLimits,
  folder: UploadFolder,
): Promise<Form> {
  const body = limits.maxRequestBodySize;
  const fileSize = limits.maxFileSize > 0 ? limits.maxFileSize : body;
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > body) throw new CherryError("E_REQUEST_TOO_LARGE", `request body over ${body} bytes`);
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: "utf8",
      // The whole name is kept and cut here (baseName): busboy's own cut makes `..` or `a/` an
      // empty name, which read as "no file chosen" and lost the content.
      preservePath: true,
      limits: {
        // Counted below: a file input left empty ("no file chosen") is not a file (as in PHP).
        files: Number.POSITIVE_INFINITY,
        fields: limits.maxFormFields,
        fieldSize: FIELD_SIZE,
        fileSize,
      },
    });
  } catch (error) {
    throw new CherryError(
      "E_REQUEST_MALFORMED",
      `malformed multipart/form-data: ${(error as Error).message}`,
    );
  }
  const fields: Array<[string, string]> = [];
  const files: StoredUpload[] = [];
  const tasks: Promise<void>[] = [];
  const temps: string[] = [];
  let failure: CherryError | undefined;
  // A limit stops the reading at once, not at the next chunk (which may never come).
  const stop = new AbortController();
  const fail = (message: string) => {
    failure ??= new CherryError("E_REQUEST_TOO_LARGE", message);
    stop.abort(failure);
  };
  const dispose = async () => {
    await Promise.all(temps.splice(0).map((file) => rm(file, { force: true })));
  };

  parser.on("field", (name, value, info) => {
    if (info.valueTruncated) fail(`form field "${name}" over ${FIELD_SIZE} bytes`);
    else fields.push([name ?? "", value]);
  });
  let fileCount = 0;
  parser.on("file", (name, stream, info) => {
    // A part not stored is dropped; the parser destroyed on a limit makes it emit an error.
    stream.on("error", () => undefined);
    // An empty <input type="file"> sends a part with filename="": no file was chosen.
    if (!info.filename) return void stream.resume();
    if (++fileCount > limits.maxFileUploads) {
      stream.resume();
      return fail(`more than ${limits.maxFileUploads} files in one request`);
    }
    const type = info.mimeType || "application/octet-stream";
    // RFC 7578 §4.2 requires a name; a part without one is the field "", as `=v` in a query string.
    const file = new StoredUpload(name ?? "", baseName(info.filename), type);
    files.push(file);
    stream.on("limit", () => fail(`file "${file.filename}" over ${fileSize} bytes`));
    tasks.push(store(file, stream, folder, temps));
  });
  parser.on("fieldsLimit", () => fail(`more than ${limits.maxFormFields} form fields in one request`));

  let size = 0;
  try {
    // Read without destroying `req` on a limit: the rest is dropped after the 413 (lingerAfterRefusal).
    await pipeline(
      req.iterator({ destroyOnReturn: false }),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > body) fail(`request body over ${body} bytes`);
          yield chunk;
        }
      },
      parser,
      { signal: stop.signal },
    );
    await Promise.all(tasks);
    if (failure) throw failure;
    return { fields, files, dispose };
  } catch (error) {
    parser.destroy();
    await Promise.allSettled(tasks);
    await dispose();
    if (failure) throw failure;
    // The socket gone: the client left. Otherwise the parser failed on what it read (a malformed part).
    if (req.destroyed && !req.complete)
      throw new CherryError("E_REQUEST_MALFORMED", "the client closed the connection during the upload");
    // A temp file that could not be written (disk full, permissions) is the server's failure: a 500.
    if ((error as NodeJS.ErrnoException)?.syscall) throw error;
    throw new CherryError(
      "E_REQUEST_MALFORMED",
      `malformed multipart/form-data: ${(error as Error).message}`,
    );
  }
}

/**
 * Adds the form's fields and files to `params` with the rule urlencoded fields follow
 * (src/server/_fields.ts): a repeated name makes an array, and a body field replaces a query field
 * of the same name. Linear in the number of parts.
 */
export function addForm(params: Record<string, unknown>, form: Form): void {
  const body: Record<string, unknown> = Object.create(null);
  for (const [name, value] of form.fields) addField(body, name, value);
  for (const file of form.files) addField(body, file.field, file);
  Object.assign(params, body);
}

/** Keeps the first UPLOAD_MEMORY_LIMIT bytes in memory and moves to a temp file past them. */
async function store(file: StoredUpload, stream: Readable, folder: UploadFolder, temps: string[]) {
  const chunks: Buffer[] = [];
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      file.size += chunk.length;
      if (handle) await handle.write(chunk);
      else {
        chunks.push(chunk);
        if (file.size > UPLOAD_MEMORY_LIMIT) {
          file.path = folder.next();
          temps.push(file.path);
          handle = await open(file.path, "wx", 0o600);
          await handle.write(Buffer.concat(chunks));
          chunks.length = 0;
        }
      }
    }
    if (!handle) file.content = Buffer.concat(chunks);
  } finally {
    await handle?.close();
  }
}

/**
 * Old browsers sent the whole client-side path: keep only the last segment. A name with no usable
 * last segment (`.`, `..`, `a/`) is "" (the file is kept: a handler joining it to a folder must
 * never get `..`).
 */
export function baseName(filename: string): string {
  const last = filename.slice(Math.max(filename.lastIndexOf("/"), filename.lastIndexOf("\\")) + 1);
  return last === "." || last === ".." ? "" : last;
}
