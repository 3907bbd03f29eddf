import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { clientScript } from "./_client.js";

/** Reserved path for the live-reload event stream (watch mode only). */
export const LIVE_RELOAD_PATH = "/__cherry/live";

const SCRIPT = clientScript(LIVE_RELOAD_PATH);

/**
 * Server-sent events telling open pages to reload after a rebuild or config change, that the server
 * was restarted (`hello` with a new id), and what the type checker found (`typecheck`). The script
 * that listens is in _client.ts.
 */
export class LiveReload {
  private readonly clients = new Set<ServerResponse>();
  /** This server's instance: a page that sees another one after reconnecting reloads. */
  readonly id = randomUUID();
  private typecheck: string | undefined;

  attach(res: ServerResponse): void {
    res.writeHead(200, {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
    });
    res.write(`retry: 500\n\n${event("hello", { id: this.id })}`);
    // A page opened (or reloaded) while type errors stand shows them at once.
    if (this.typecheck) res.write(this.typecheck);
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
  }

  reload(): void {
    this.broadcast(event("reload", {}));
  }

  /**
   * The type checker's current errors (`where` is `file:line:column`); `fixed` when this list
   * replaces a non-empty one with none.
   */
  typeErrors(errors: { where: string; message: string; frame?: string }[], fixed: boolean): void {
    const message = event("typecheck", { errors, fixed });
    this.typecheck = errors.length > 0 ? message : undefined;
    this.broadcast(message);
  }

  closeAll(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  get size(): number {
    return this.clients.size;
  }

  private broadcast(message: string): void {
    for (const res of this.clients) res.write(message);
  }
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Puts the reload script before </body>, or at the end when the page has none. */
export function injectLiveReload(html: string): string {
  const at = html.lastIndexOf("</body>");
  return at === -1 ? html + SCRIPT : html.slice(0, at) + SCRIPT + html.slice(at);
}
