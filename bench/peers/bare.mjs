// The ceiling: node:http with no framework and no session.
import { listen } from "./_listen.mjs";

listen((_req, res) => {
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
  res.end("hello");
});
