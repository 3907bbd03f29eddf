/**
 * What the server asks about the configured session store, answered by the store descriptors
 * (src/sessions/stores/index.ts): whether a reload keeps the store, whether locks cross processes,
 * which paths the server writes, and opening the store.
 */
export { createBackend } from "../sessions/create-backend.js";
export {
  locksAcrossProcesses,
  sameStore,
  serverWrittenPaths,
  storeFromUserModule,
  tuneStore,
} from "../sessions/stores/index.js";
