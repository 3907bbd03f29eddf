import type { Request } from "cherry";

/** The HowTo's counter on a custom store: the session functions live in session-store.ts. */
export default class Root {
  index(request: Request): string {
    const i: number = request.sessionMap.get("counter", 0) + 1;
    request.sessionMap.set("counter", i);
    return `<html><body>Hello, you've been here ${i} time(s)</body></html>`;
  }
}
