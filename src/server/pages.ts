import type { AppError } from "../modules/app-error.js";
import { formatLocation } from "../modules/app-error.js";
import { stackHtml } from "./dev-pages.js";

export function escapeHtml(text: string): string {
  const named: Record<string, string> = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
  };
  return text.replace(/[&<>"']/g, (c) => named[c]);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem;color:#222}pre{background:#f6f6f6;padding:1rem;overflow:auto;font:13px/1.4 ui-monospace,monospace}h1{color:#b00020;font-size:1.3rem}</style>
</head><body>${body}</body></html>`;
}

/** The error page shown instead of the app while it does not build (watch mode). */
export function appErrorPage(error: AppError, projectDir: string): string {
  const where = formatLocation(error, projectDir);
  const title = error.kind === "build" ? "Build failed" : "The app threw while loading";
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1><p><strong>${escapeHtml(where)}</strong></p><p>${escapeHtml(error.message)}</p>` +
      (error.frame ? `<pre>${escapeHtml(error.frame)}</pre>` : "") +
      (error.stack && error.kind === "import" ? stackHtml(error.stack, projectDir) : "") +
      "<p>Fix the file and save: the page reloads by itself.</p>",
  );
}

export function errorPage(status: number, message: string, detail?: string): string {
  const title = `${status} ${message}`;
  return page(title, `<h1>${escapeHtml(title)}</h1>${detail ? `<pre>${escapeHtml(detail)}</pre>` : ""}`);
}
