import type { ServerResponse } from "node:http";

/** Reserved path for the live-reload event stream (watch mode only). */
export const LIVE_RELOAD_PATH = "/__cherry/live";

const SCRIPT = `<script>(()=>{const s=new EventSource(${JSON.stringify(LIVE_RELOAD_PATH)});s.addEventListener("reload",()=>location.reload());})();</script>`;

/** Server-sent events telling open pages to reload after a rebuild or config change. */
export class LiveReload {
  private readonly clients = new Set<ServerResponse>();

  attach(res: ServerResponse): void {
    res.writeHead(200, {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
    });
    res.write("retry: 500\n\n");
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
  }

  reload(): void {
    for (const res of this.clients) res.write("event: reload\ndata: {}\n\n");
  }

  closeAll(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  get size(): number {
    return this.clients.size;
  }
}

/** Puts the reload script before </body>, or at the end when the page has none. */
export function injectLiveReload(html: string): string {
  const at = html.lastIndexOf("</body>");
  return at === -1 ? html + SCRIPT : html.slice(0, at) + SCRIPT + html.slice(at);
}
