/**
 * The type checker's child process, as source: it runs with `node -e`, so it needs no file of its
 * own next to the compiled output and runs the same under the test runner (which loads TypeScript
 * sources), like the file store's unlink worker. It loads the `typescript` it is given, runs
 * TypeScript's own watch program on the app (its tsconfig.json when the app folder has one, else the
 * entry module with strict defaults), and after each check sends the errors over IPC:
 * `{ type: "checking" }`, then `{ type: "done", diagnostics, ms }`.
 *
 * `cherry` is pointed at the running cherry's types (the loader does the same for the bundle), so a
 * moved checkout or an app without node_modules still type-checks. Nothing is emitted and no
 * .tsbuildinfo is written into the app.
 */
export const TYPE_CHECK_WORKER = String.raw`
const path = require("node:path");
const job = JSON.parse(process.env.CHERRY_TYPE_CHECK);
const ts = require(job.typescript);
process.on("disconnect", () => process.exit(0));
const send = (message) => { if (process.connected) process.send(message); };
const sys = { ...ts.sys, clearScreen: undefined };
const inApp = (file) => path.resolve(file).startsWith(job.appDir + path.sep);

let configPath = ts.findConfigFile(job.appDir, ts.sys.fileExists, "tsconfig.json");
if (configPath && !inApp(configPath)) configPath = undefined;
const noEmit = { noEmit: true, incremental: false, composite: false, declaration: false, tsBuildInfoFile: undefined };
const defaults = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  ...noEmit,
};

let batch = [];
let started = Date.now();
const plain = (d) => {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file || d.start === undefined) return { code: d.code, message };
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return { code: d.code, message, file: path.resolve(d.file.fileName), line: line + 1, column: character + 1 };
};
const reportDiagnostic = (d) => { if (d.category === ts.DiagnosticCategory.Error) batch.push(plain(d)); };
const reportWatchStatus = (d, _newLine, _options, errorCount) => {
  if (errorCount === undefined) {
    batch = [];
    started = Date.now();
    send({ type: "checking" });
    return;
  }
  send({ type: "done", diagnostics: batch, ms: Date.now() - started });
  batch = [];
};
const create = ts.createSemanticDiagnosticsBuilderProgram;
const host = configPath
  ? ts.createWatchCompilerHost(configPath, noEmit, sys, create, reportDiagnostic, reportWatchStatus)
  : ts.createWatchCompilerHost([job.entry], defaults, sys, create, reportDiagnostic, reportWatchStatus);
// "cherry" joins the paths of the fully resolved options (extends included) of every program.
const createProgram = host.createProgram;
host.createProgram = (roots, options, ...rest) =>
  createProgram(roots, options && { ...options, paths: { ...options.paths, cherry: [job.types] } }, ...rest);
ts.createWatchProgram(host);
`;
