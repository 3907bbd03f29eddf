// RESULTS.md and the SVG charts from one run's results, with every target (the project's goals per area) marked
// met or not. Longer than most files: the whole report, and the list of targets, in one place.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { barChart } from "./svg.mjs";

export function writeReport(r, seconds, { P, quick, out: OUT, root: HERE, log }) {
  mkdirSync(path.join(HERE, OUT.dir), { recursive: true });
  const by = (rows, name) => rows?.find((x) => x.name === name);
  const ratio = (rows, a, b) => {
    const x = by(rows, a);
    const y = by(rows, b);
    return x && y?.rps ? x.rps / y.rps : undefined;
  };
  const fmt = (n, d = 0) =>
    n === undefined
      ? "n/a"
      : n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  const out = [];
  // A chart: its SVG written next to the report and its image line in it.
  const chart = (key, alt, spec) => {
    out.push("", `![${alt}](${OUT.dir}/${key}.svg)`, "");
    writeFileSync(path.join(HERE, OUT.dir, `${key}.svg`), barChart(spec));
  };
  out.push("# cherry benchmarks", "");
  out.push(
    `${quick ? "Quick run" : "Full run"} of \`npm run bench${quick ? " -- --quick" : ""}\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}. Took ${fmt(seconds)} s.`,
  );
  out.push(
    "",
    `Load: autocannon in its own process on 127.0.0.1, 50 connections, ${P.duration} s per sample after a 1 s warm-up, ${P.rounds} rounds with the contenders alternating (A B C …, A B C …); each figure is the median of the rounds. The load generator shares the machine's cores with the server, so absolute numbers are low and only the ratios within one table mean much.`,
    "",
  );

  const tables = [
    ["hello", "Hello world, no sessions", "req/s"],
    ["many", "Many users: 50 connections, each its own session", "req/s"],
    ["new", "New visitors: no cookie, a session created on every request", "req/s"],
    ["hot", "Hot session: 50 connections on one cookie", "req/s"],
  ];
  for (const [key, title] of tables) {
    const rows = r[key];
    if (!rows) continue;
    const ref = rows[0].rps;
    out.push(`## ${title}`, "");
    out.push(
      `| contender | req/s (median) | rounds | p99 ms | vs ${rows[0].name} |${key === "hot" ? " lost updates |" : ""} failures |`,
    );
    out.push(`|---|---:|---|---:|---:|${key === "hot" ? "---:|" : ""}---:|`);
    for (const row of rows) {
      out.push(
        `| ${row.name} | ${fmt(row.rps)} | ${row.rounds.join(", ")} | ${fmt(row.p99)} | ${fmt(row.rps / ref, 2)}× |${key === "hot" ? ` ${row.lostPct === undefined ? "n/a" : `${fmt(row.lostPct, 1)}%`} |` : ""} ${row.failures} |`,
      );
    }
    chart(key, title, { title, unit: "req/s", rows: rows.map((x) => ({ name: x.name, value: x.rps })) });
  }
  if (r.reload) {
    out.push(`## Reload: file write to new code served (${P.trials} reloads each, under load)`, "");
    out.push(
      "| tool | median ms | max ms | refused during reloads | RAM session |",
      "|---|---:|---:|---:|---|",
    );
    for (const row of r.reload)
      out.push(
        `| ${row.name} | ${fmt(row.median)} | ${fmt(row.max)} | ${row.refused} of ${row.served + row.refused} | ${row.sessionKept ? "kept" : "lost"} |`,
      );
    chart("reload", "reload", {
      title: "Reload latency, median (lower is better)",
      unit: "ms",
      rows: r.reload.map((x) => ({ name: x.name, value: x.median })),
    });
  }
  if (r.heap)
    out.push(
      "## Heap after reloads",
      "",
      `${r.heap.reloads} reloads in one cherry process: heap ${fmt(r.heap.before / 1e6, 1)} MB before, ${fmt(r.heap.after / 1e6, 1)} MB after (growth ${fmt((r.heap.after - r.heap.before) / 1e6, 1)} MB).`,
      "",
    );
  if (r.cold) {
    out.push("## Cold start to first 200", "", "| contender | median ms | max ms |", "|---|---:|---:|");
    for (const row of r.cold) out.push(`| ${row.name} | ${fmt(row.median)} | ${fmt(row.max)} |`);
    out.push("");
  }
  if (r.admin?.length) {
    out.push(
      `## Database store administration: ${P.purgeSessions.toLocaleString("en-US")} sessions, half expired`,
      "",
      "Filled in bulk in the layout cherry creates; Redis drops its expired half by itself before the commands run.",
      "",
      "| command | seconds | peak RSS MB |",
      "|---|---:|---:|",
    );
    for (const row of r.admin) out.push(`| ${row.name} | ${fmt(row.seconds, 2)} | ${fmt(row.rssMB)} |`);
    out.push("");
  }
  if (r.purge) {
    out.push(
      `## File store administration: ${P.purgeSessions.toLocaleString("en-US")} sessions, half expired`,
      "",
      "| command | seconds | peak RSS MB |",
      "|---|---:|---:|",
    );
    for (const row of r.purge) out.push(`| ${row.name} | ${fmt(row.seconds, 2)} | ${fmt(row.rssMB)} |`);
    chart("purge", "purge", {
      title: "ls / purge seconds (lower is better)",
      unit: "s",
      rows: r.purge.map((x) => ({ name: x.name, value: x.seconds, text: `${x.seconds.toFixed(2)} s` })),
    });
  }
  if (r.parse) {
    const names = r.parse.contenders;
    out.push(
      "## Parsing 1 MiB bodies of hostile shapes",
      "",
      "From an in-memory request stream to the handler's params, in one process: cherry's readBody + parseParams (readMultipart + addForm for multipart, with maxFormFields at its maximum of 10,000), express 5's body-parser middleware (urlencoded with `extended: false` and with `extended: true`, which is qs; json), and as baselines Node's `querystring.parse` (`maxKeys: 1000`) or `JSON.parse`, and `URLSearchParams`, which parse the decoded string only and have no limits. Median ms; `413` = refused by a limit.",
      "",
      `| body | ${names.join(" | ")} |`,
      `|---|${names.map(() => "---:").join("|")}|`,
    );
    for (const row of r.parse.rows) {
      const cells = names.map((c) => {
        const x = row.results[c];
        return x ? `${fmt(x.ms, 1)}${x.outcome === "ok" ? "" : ` (${x.outcome})`}` : "";
      });
      out.push(`| ${row.name} | ${cells.join(" | ")} |`);
    }
    out.push("");
  }

  const targets = [];
  const t = (area, what, value, goal, met) =>
    targets.push(
      `| ${area} | ${what} | ${value} | ${goal} | ${met === undefined ? "not measured" : met ? "met" : "**not met**"} |`,
    );
  const hr = ratio(r.hello, "cherry (sessions off)", "node:http");
  t("serve", "hello throughput vs node:http", hr ? `${fmt(hr * 100)}%` : "n/a", ">= 75%", hr && hr >= 0.75);
  const cr = by(r.reload, "cherry serve (watch)");
  const others = r.reload?.filter((x) => x !== cr) ?? [];
  t(
    "serve",
    "reload median",
    cr ? `${fmt(cr.median)} ms` : "n/a",
    "<= 50 ms and faster than nodemon, tsx watch, node --watch",
    cr && cr.median <= 50 && others.every((o) => cr.median < o.median),
  );
  t(
    "serve",
    `refused connections during ${P.trials} reloads`,
    cr ? String(cr.refused) : "n/a",
    "0, RAM sessions kept",
    cr && cr.refused === 0 && cr.sessionKept,
  );
  const growth = r.heap ? (r.heap.after - r.heap.before) / 1e6 : undefined;
  t(
    "serve",
    `heap growth over ${P.heapReloads} reloads`,
    growth === undefined ? "n/a" : `${fmt(growth, 1)} MB`,
    "< 50 MB (over 500)",
    growth === undefined ? undefined : growth < 50,
  );
  const cold = by(r.cold, "cherry serve --no-watch (counter, ram)");
  t(
    "serve",
    "cold start to first 200",
    cold ? `${fmt(cold.median)} ms` : "n/a",
    "<= 400 ms",
    cold && cold.median <= 400,
  );
  // "cherry is at least `min` times `peer`" in one table.
  const times = (area, what, table, ours, peer, min) => {
    const x = ratio(table, ours, peer);
    t(area, what, x ? `${fmt(x, 1)}×` : "n/a", `>= ${min}×`, x && x >= min);
  };
  for (const mode of quick ? ["many", "hot"] : ["many", "new", "hot"]) {
    // node:http answers the same path in the same table (it ignores cookies); hello's is the fallback.
    const ceiling = by(r[mode], "node:http") ?? by(r.hello, "node:http");
    const vsBare = r[mode] && ceiling ? by(r[mode], "cherry ram")?.rps / ceiling.rps : undefined;
    t(
      "sessions",
      `ram vs node:http (${mode})`,
      vsBare ? `${fmt(vsBare * 100)}%` : "n/a",
      ">= 60%",
      vsBare && vsBare >= 0.6,
    );
    const what = `ram vs express-session MemoryStore (${mode})`;
    times("sessions", what, r[mode], "cherry ram", "express-session MemoryStore", 4);
  }
  const sfs = "express-session + session-file-store";
  times("sessions", "file vs session-file-store (hot session)", r.hot, "cherry file", sfs, 10);
  times("sessions", "file vs session-file-store (new visitors)", r.new, "cherry file", sfs, 3);
  times("sessions", "cookie vs cookie-session (many users)", r.many, "cherry cookie", "cookie-session", 3);
  for (const name of [
    "cherry ram",
    "cherry file",
    "cherry sqlite",
    "cherry redis",
    "cherry postgres",
    "cherry mysql",
  ]) {
    const row = by(r.hot, name);
    t(
      name.includes("ram") || name.includes("file") ? "sessions" : "databases",
      `${name} lost updates (hot session)`,
      row ? `${fmt(row.lostPct, 2)}%` : "n/a",
      "0",
      row && row.lostPct === 0,
    );
  }
  const connectRedis = "express-session + connect-redis";
  times("databases", "redis vs connect-redis (many users)", r.many, "cherry redis", connectRedis, 3);
  const minimalSqlite = "express-session + better-sqlite3 store";
  const sqliteWhat = "sqlite vs minimal better-sqlite3 store (many users)";
  times("databases", sqliteWhat, r.many, "cherry sqlite", minimalSqlite, 2);
  const pg = by(r.many, "cherry postgres");
  t(
    "databases",
    "postgres (many users)",
    pg ? `${fmt(pg.rps)} req/s` : "n/a",
    "measured and reported",
    pg ? true : undefined,
  );
  const mysqlPeer = "express-session + express-mysql-session";
  times("mysql", "mysql vs express-mysql-session (many users)", r.many, "cherry mysql", mysqlPeer, 3);
  const peerHot = by(r.hot, mysqlPeer);
  t(
    "mysql",
    "express-mysql-session lost updates (hot session)",
    peerHot?.lostPct === undefined ? "n/a" : `${fmt(peerHot.lostPct, 2)}%`,
    "reported",
    peerHot?.lostPct === undefined ? undefined : true,
  );
  const slowest = r.parse?.rows.reduce((m, row) => Math.max(m, row.results.cherry.ms), 0);
  t(
    "hostile input",
    "slowest body parse (any shape, 1 MiB and the 10 MiB body limit)",
    slowest === undefined ? "n/a" : `${fmt(slowest, 1)} ms`,
    "well under 100 ms",
    slowest === undefined ? undefined : slowest < 50,
  );
  const scale =
    P.purgeSessions === 100_000 ? "" : ` (on ${P.purgeSessions.toLocaleString("en-US")}, not 100,000)`;
  // Every sessions command: within 1.5 s and 150 MB.
  const command = (what, row) =>
    t(
      "sessions CLI",
      `${what}${scale}`,
      row ? `${fmt(row.seconds, 2)} s, ${fmt(row.rssMB)} MB` : "n/a",
      "<= 1.5 s, <= 150 MB",
      row && row.seconds <= 1.5 && row.rssMB <= 150,
    );
  command("ls --json", by(r.purge, "cherry sessions ls --json"));
  command("purge", by(r.purge, "cherry sessions purge"));
  for (const row of r.admin ?? []) command(row.name.replace(/^cherry /, ""), row);

  out.push(
    "## Targets",
    "",
    "| area | what | measured | target | verdict |",
    "|---|---|---|---|---|",
    ...targets,
    "",
  );
  writeFileSync(path.join(HERE, OUT.md), `${out.join("\n")}\n`);
  log(`wrote bench/${OUT.md} (${seconds.toFixed(0)} s)`);
}
