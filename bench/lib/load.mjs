// Runs one autocannon load in this (separate) process and prints its summary as JSON.
// argv[2]: {"url", "path", "connections", "duration", "mode": "plain"|"many"|"new"|"hot", "cookie"}
import autocannon from "autocannon";

const opts = JSON.parse(process.argv[2]);
const cookieOf = (rawHeaders) => {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (String(rawHeaders[i]).toLowerCase() === "set-cookie") return String(rawHeaders[i + 1]).split(";")[0];
  }
  return undefined;
};

const result = await autocannon({
  url: opts.url + opts.path,
  connections: opts.connections,
  duration: opts.duration,
  headers: opts.mode === "hot" ? { cookie: opts.cookie } : {},
  setupClient(client) {
    // many users: each connection is one browser that keeps the cookie it was given.
    if (opts.mode !== "many") return;
    client.on("headers", ({ headers }) => {
      const cookie = cookieOf(headers);
      if (cookie) client.setHeaders({ cookie });
    });
  },
});
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    total: result.requests.total,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    p50: result.latency.p50,
    p99: result.latency.p99,
  }),
);
