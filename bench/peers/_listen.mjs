// Every peer answers the same two pages: `/` reads a counter from the session, increments it,
// stores it and answers it; `/hello` answers without a session.
import http from "node:http";

export function listen(handler) {
  const server = http.createServer({ keepAlive: true }, handler);
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
  return server;
}
