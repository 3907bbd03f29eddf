import { CherryError, isCherryError } from "../errors.js";
import { CustomStoreError } from "./stores/custom.js";

/** A store failure as the manager reports it: 503 material, except custom code's own errors (500). */
export function storeError(error: unknown): Error {
  if (isCherryError(error) || error instanceof CustomStoreError) return error as Error;
  return new CherryError("E_STORE_UNAVAILABLE", `session store unavailable: ${describe(error)}`, {
    cause: error,
  });
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
