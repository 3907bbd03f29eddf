import { CherryError, isCherryError } from "../errors.js";

/**
 * A store failure as the manager reports it: a CherryError as it is (E_CUSTOM_STORE, the app's own
 * code failing, is a 500), anything else E_STORE_UNAVAILABLE (503).
 */
export function storeError(error: unknown): Error {
  if (isCherryError(error)) return error;
  return new CherryError("E_STORE_UNAVAILABLE", `session store unavailable: ${describe(error)}`, {
    cause: error,
  });
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
