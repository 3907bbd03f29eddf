/** What a handler receives second (DESIGN.md §2): status, headers and redirects. */
export interface Response {
  status: number;
  /** Any header; names are case-insensitive when sent. */
  headers: Record<string, string | number | string[]>;
  /** Answers with a redirect to `url` (303 See Other by default). */
  redirect(url: string, status?: number): void;
}

export function createResponse(): Response {
  return {
    status: 200,
    headers: {},
    redirect(url: string, status = 303) {
      this.status = status;
      this.headers.Location = url;
    },
  };
}

export interface Body {
  body: Buffer | string;
  type: string | undefined;
}

/** A handler's return value as bytes: string = HTML, Buffer = octet-stream, object/array = JSON. */
export function toBody(value: unknown): Body {
  if (value === undefined || value === null) return { body: "", type: undefined };
  if (typeof value === "string") return { body: value, type: "text/html; charset=utf-8" };
  if (Buffer.isBuffer(value)) return { body: value, type: "application/octet-stream" };
  if (value instanceof Uint8Array)
    return {
      body: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      type: "application/octet-stream",
    };
  if (typeof value === "object")
    return { body: JSON.stringify(value), type: "application/json; charset=utf-8" };
  return { body: String(value), type: "text/html; charset=utf-8" };
}
