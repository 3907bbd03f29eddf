export { configLocation, DEFAULT_CONFIG, type LoadConfigOptions, loadConfig } from "./load.js";
export { parseIni } from "./parse.js";
export { describeSecret, redact, scrub, secretFragments } from "./redact.js";
export { resolveConfig } from "./resolve.js";
export { isSecretName, renderConfigReference, SCHEMA, STORAGE_TYPES, type StorageType } from "./schema.js";
export type * from "./types.js";
