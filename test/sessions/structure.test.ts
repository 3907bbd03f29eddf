/**
 * The sessions code's shape (docs/architecture.md), checked on the source: the request's session knows the manager only
 * through an interface (no import circle), knows no backend kind, and SessionMap's change state is
 * not part of its public type.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

const SESSIONS = path.join(ROOT, "src/sessions");

/** Every file of src/ that `file` imports, directly or not (relative imports only). */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
  const text = readFileSync(file, "utf8");
  for (const [, spec] of text.matchAll(/^(?:import|export)[^;]*?from "(\.[^"]+)"/gms)) {
    const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts"));
    if (seen.has(target)) continue;
    seen.add(target);
    importsOf(target, seen);
  }
  return seen;
}

describe("session structure", () => {
  it("request-session.ts reaches nothing of manager.ts, directly or through another file", () => {
    const reached = importsOf(path.join(SESSIONS, "request-session.ts"));
    expect(reached.size).toBeGreaterThan(3);
    expect([...reached].map((f) => path.relative(SESSIONS, f))).not.toContain("manager.ts");
  });

  it("request-session.ts never asks which backend it has (no sealer, no cookie store)", () => {
    const text = readFileSync(path.join(SESSIONS, "request-session.ts"), "utf8");
    expect(text).not.toMatch(/sealer|stores\/cookie|backend\.|instanceof (?!Promise)/i);
  });

  it("SessionMap's emitted declaration has no change state", () => {
    const source = readFileSync(path.join(SESSIONS, "session-map.ts"), "utf8");
    const options = JSON.parse(readFileSync(path.join(ROOT, "tsconfig.build.json"), "utf8")).compilerOptions;
    const { outputText } = ts.transpileDeclaration(source, {
      compilerOptions: { stripInternal: options.stripInternal },
    });
    const body = outputText.slice(outputText.indexOf("class SessionMap"));
    expect(body).toContain("set(key: string, value: unknown): this;");
    expect(body).not.toMatch(/\b(_data|_used|_changed|written|used|MapState|state)\b/);
  });
});
