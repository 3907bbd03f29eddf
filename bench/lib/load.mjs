// Runs one warm-up and one measured autocannon load in this (separate) process and prints the two
// summaries as JSON: {warm, load}. argv[2]: {"url", "path", "connections", "warmup", "duration",
// "mode": "plain"|"many"|"new"|"hot", "cookie"} (durations in seconds; warmup 0 skips it).
// many users: each connection is one browser with a full cookie jar (jar.mjs), kept from the warm-up
// into the measured load, so every contender serves the same returning visitors in both.
import autocannon from "autocannon";
import { Jar, setCookiesOf } from "./jar.mjs";

const opts = JSON.parse(process.argv[2]);
const jars = Array.from({ length: opts.connections }, () => new Jar());

async function run(duration) {
  let next = 0;
  const result = await autocannon({
    url: opts.url + opts.path,
    connections: opts.connections,
    duration,
    headers: opts.mode === "hot" ? { cookie: opts.cookie } : {},
    setupClient(client) {
      if (opts.mode !== "many") return;
      const jar = jars[next++ % jars.length];
      const cookie = jar.header();
      if (cookie) client.setHeaders({ cookie });
      client.on("headers", ({ headers }) => {
        const set = setCookiesOf(headers);
        if (set.length === 0) return;
        jar.take(set);
        client.setHeaders({ cookie: jar.header() });
      });
    },
  });
  return {
    rps: result.requests.average,
    total: result.requests.total,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

const warm = opts.warmup > 0 ? await run(opts.warmup) : { ok: 0 };
const load = await run(opts.duration);
process.stdout.write(JSON.stringify({ warm, load }));
