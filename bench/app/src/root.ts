import type { Request } from "cherry";

/** The benchmark handler every contender runs: read a counter, increment, store, answer. */
export default class Root {
  index(request: Request): string {
    const count: number = request.sessionMap.get("count", 0) + 1;
    request.sessionMap.set("count", count);
    return String(count);
  }

  hello(): string {
    return "hello";
  }
}
