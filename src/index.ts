/// <reference types="node" preserve="true" />
/**
 * The `cherry` package as apps see it: `import type { Request, Response } from "cherry"` type-checks
 * a handler at no run-time cost; a run-time import resolves to the running cherry.
 */
export type { CherryConfig, ServerConfig, SessionConfig } from "./config/types.js";
export { CherryError, type ErrorCode } from "./errors.js";
export type { Request } from "./server/request.js";
export type { FileBody, FileOptions, Response } from "./server/response.js";
export type { UploadedFile } from "./server/upload.js";
export type { Session } from "./sessions/manager.js";
export { SessionMap } from "./sessions/session-map.js";
export {
  defineStore,
  type PurgeOptions,
  type PurgeResult,
  type SessionData,
  type SessionListing,
  type SessionStore,
  type StoredSession,
} from "./sessions/store.js";
export type { CustomStoreFunctions, ListedSession } from "./sessions/stores/custom.js";
