/**
 * The app part of a runtime (runtime.ts): the app module and a custom store's module built and
 * imported together, or the error that stopped them.
 */
import type { CherryConfig } from "../config/types.js";
import type { Logger } from "../log.js";
import { type AppError, errorFromImport, formatAppError } from "../modules/app-error.js";
import type { AppBuilder } from "../modules/loader.js";
import { rootFromExport } from "./published.js";

/** What the app module (and a custom store's module) gave: the published root, or why not. */
export type AppOutcome =
  | { root: object; custom: Record<string, unknown>; inputs: readonly string[]; error?: undefined }
  | { error: AppError; inputs: readonly string[] };

/**
 * Builds and imports the app (and a custom store's module). Gives `previous` back when nothing
 * changed: the same bundle, or the same error, so that neither is reported or reloaded twice.
 */
export async function buildApp(
  config: CherryConfig,
  builder: AppBuilder,
  storageBuilder: AppBuilder | undefined,
  logger: Logger,
  previous: AppOutcome | undefined,
): Promise<AppOutcome> {
  const [app, storage] = await Promise.all([builder.build(), storageBuilder?.build()]);
  const inputs = [
    ...new Set([
      ...(app.ok ? app.inputs : (previous?.inputs ?? [config.server.appModule])),
      ...(storage ? (storage.ok ? storage.inputs : [config.session.storageModule]) : []),
    ]),
  ];
  const failed = (error: AppError): AppOutcome =>
    previous?.error && formatAppError(previous.error, config.dir) === formatAppError(error, config.dir)
      ? previous
      : { error, inputs };
  if (!app.ok) return failed(app.error);
  if (storage && !storage.ok) return failed(storage.error);
  if (previous && !previous.error && app.unchanged && (!storage?.ok || storage.unchanged)) return previous;
  let root: unknown;
  try {
    const made = rootFromExport(app.module.default);
    root = made.root;
    if (made.note) logger.warn(made.note);
  } catch (error) {
    return failed(errorFromImport(error, ""));
  }
  if (typeof root !== "object" || root === null) {
    return failed({
      kind: "import",
      message: "the app module has no default export (export default class Root { index() {…} })",
    });
  }
  return { root, custom: storage?.ok ? storage.module : app.module, inputs };
}
