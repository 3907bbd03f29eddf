import type { Request } from "cherry";

/** The HowTo's trivial page view counter: one number kept in the visitor's session. */
export default class Root {
  index(request: Request): string {
    const count: number = request.sessionMap.get("pageViews", 0) + 1;
    request.sessionMap.set("pageViews", count);
    return `<html>
<head><title>{{name}}</title><link rel="stylesheet" href="/static/style.css"></head>
<body>
  <p>Hello, you've been here ${count} time(s)</p>
</body>
</html>`;
  }
}
