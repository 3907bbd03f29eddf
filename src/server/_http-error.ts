/** A refusal of the request itself (413, 400, 403…): answered as plain text with its message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
