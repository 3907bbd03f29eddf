/**
 * Watch mode's pages for a developer: a thrown error with the app's frames and their source lines
 * first (cherry's, Node's and the packages' frames folded), and a 404 that lists what the app
 * publishes. Production never shows these (handler.ts sends the generic pages of pages.ts).
 */

import { explainStack } from "../modules/stack.js";
import { escapeHtml } from "./pages.js";
import type { PublishedTree } from "./published.js";

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem;color:#222;max-width:70rem}
pre{background:#f6f6f6;padding:.8rem 1rem;overflow:auto;font:13px/1.4 ui-monospace,monospace;margin:.3rem 0 1rem}
h1{color:#b00020;font-size:1.3rem}h2{font-size:1.05rem;margin-top:1.5rem}.where{font:600 14px ui-monospace,monospace}
.fn{color:#555}ol.stack{font:13px/1.5 ui-monospace,monospace;padding-left:2rem}ol.stack li.app{font-weight:600}
ol.stack li.cherry,ol.stack li.node,ol.stack li.dependency{color:#777}code{font:13px ui-monospace,monospace}
ul.paths{font:14px/1.6 ui-monospace,monospace}.why{background:#fff6e0;border-left:4px solid #e0a000;padding:.5rem 1rem}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

/** The frames of a stack as HTML: the shown ones with code, then every frame in a folded list. */
export function stackHtml(stack: string, appDir: string): string {
  const { shown, all, folded } = explainStack(stack, appDir);
  const open = shown
    .map(
      (f) =>
        `<div class="frame"><span class="where">${escapeHtml(f.where)}</span>${f.fn ? ` <span class="fn">in ${escapeHtml(f.fn)}</span>` : ""}` +
        (f.frame ? `<pre>${escapeHtml(f.frame)}</pre>` : "") +
        "</div>",
    )
    .join("");
  const list = all
    .map((f) => `<li class="${f.kind}">${escapeHtml(`${f.fn ? `${f.fn} ` : ""}${f.where}`)}</li>`)
    .join("");
  const summary =
    folded > 0
      ? `Full stack: ${all.length} frames, ${folded} of them cherry's, Node.js's or a package's`
      : `Full stack: ${all.length} frames`;
  return (
    open +
    (all.length > 0
      ? `<details><summary>${escapeHtml(summary)}</summary><ol class="stack">${list}</ol></details>`
      : "")
  );
}

/** The 500 page for an error a handler threw, in watch mode. */
export function thrownErrorPage(error: unknown, appDir: string, method: string, pathname: string): string {
  const err = error instanceof Error ? error : new Error(String(error));
  let causes = "";
  for (let cause = err.cause, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++)
    causes += `<h2>Caused by ${escapeHtml(`${cause.name}: ${cause.message}`)}</h2>${stackHtml(cause.stack ?? "", appDir)}`;
  return page(
    "500 Internal Server Error",
    `<h1>500 Internal Server Error</h1><p><strong>${escapeHtml(err.name)}</strong>: ${escapeHtml(err.message)}</p>` +
      `<p>while answering <code>${escapeHtml(`${method} ${pathname}`)}</code></p>` +
      stackHtml(err.stack ?? "", appDir) +
      causes +
      "<p>Fix the file and save: the page reloads by itself.</p>",
  );
}

/** The 404 page in watch mode: the paths the app publishes and why a path may not be reached. */
export function notFoundPage(pathname: string, tree: PublishedTree): string {
  const paths = tree.paths.map((p) => `<li><a href="${escapeHtml(p)}">${escapeHtml(p)}</a></li>`).join("");
  const notes = tree.notes.map((n) => `<p class="why">${escapeHtml(n)}</p>`).join("");
  const reason = tree.reason ? `<p class="why">${escapeHtml(tree.reason)}</p>` : "";
  return page(
    "404 Not Found",
    `<h1>404 Not Found</h1><p>The path <code>${escapeHtml(pathname)}</code> was not found.</p>${reason}${notes}` +
      (tree.paths.length > 0
        ? `<h2>The app publishes these paths</h2><ul class="paths">${paths}</ul>`
        : "<h2>The app publishes no path</h2>") +
      "<p>A method of the default-exported class (or object) is published at its name; an object held in a " +
      "property publishes its methods under that name (<code>/a/b</code> calls <code>root.a.b()</code>); " +
      "<code>index</code> answers <code>/</code> and <code>/a/</code>. Names starting with <code>_</code>, " +
      "<code>constructor</code> and anything inherited from <code>Object</code> are never published. " +
      "You see this list because cherry runs in watch mode.</p>",
  );
}
