// REST API write throughput and latency over real HTTP, against a real SqliteStore (durable:
// WAL with synchronous=FULL, so every acknowledged write survives a crash):
//   - single-resource PUTs, one at a time, then 16 at a time;
//   - one POST /v1/apply of 10,000 resources (JSON, then the same as multi-document YAML).
// The server runs in a child process (bench/api-write-server.ts); this process only sends load.
// Prints a markdown table. Run: npm run bench:api [-- --puts N]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import { stringify } from "yaml";
import type { ServerCommand, ServerReport } from "./api-write-server.js";
import { ChildLink, stopAllChildren } from "./child-link.js";
import { summarize } from "./percentiles.js";
import { processStats } from "./proc-stats.js";

const here = dirname(fileURLToPath(import.meta.url));
const putsArg = process.argv.indexOf("--puts");
const PUTS = putsArg === -1 ? 5000 : Number(process.argv[putsArg + 1]);
const CONCURRENCY = 16;
const APPLY_SIZE = 10_000;

function cluster(name: string, port: number) {
  return {
    name,
    type: "STATIC",
    connect_timeout: "0.25s",
    load_assignment: {
      cluster_name: name,
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: "10.0.0.1", port_value: port } } } }] },
      ],
    },
  };
}

interface Row {
  readonly scenario: string;
  readonly requests: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly note: string;
}

async function send(pool: Pool, method: "PUT" | "POST", path: string, body: string, type = "application/json") {
  const started = performance.now();
  const response = await pool.request({ method, path, body, headers: { "content-type": type } });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`${method} ${path}: ${response.statusCode} ${text.slice(0, 300)}`);
  return performance.now() - started;
}

/** `count` PUTs, `concurrency` in flight; each changes a resource, so each commits a revision. */
async function puts(pool: Pool, label: string, count: number, concurrency: number, offset: number): Promise<Row> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const name = `c${i % 1000}`;
        latencies.push(
          await send(
            pool,
            "PUT",
            `/v1/resources/clusters/${name}`,
            JSON.stringify(cluster(name, 1 + ((offset + i) % 65000))),
          ),
        );
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const { p50, p99 } = summarize(latencies);
  return { scenario: label, requests: count, seconds, p50, p99, note: `${Math.round(count / seconds)} PUTs/s` };
}

async function apply(pool: Pool, pid: number, label: string, body: string, type: string): Promise<Row> {
  const before = await processStats(pid);
  const ms = await send(pool, "POST", "/v1/apply", body, type);
  const afterStats = await processStats(pid);
  const mib = (kb: number) => (kb / 1024).toFixed(0);
  return {
    scenario: label,
    requests: 1,
    seconds: ms / 1000,
    p50: ms,
    p99: ms,
    note: `body ${(Buffer.byteLength(body) / 2 ** 20).toFixed(1)} MiB; server RSS ${mib(before.rssKb)} -> ${mib(afterStats.rssKb)} MiB (peak ${mib(afterStats.peakRssKb)} MiB)`,
  };
}

async function main(): Promise<void> {
  const server = new ChildLink<ServerReport, ServerCommand>("api server", join(here, "api-write-server.ts"), [], {
    ...(process.env.WEFT_BENCH_PROF
      ? { nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${process.env.WEFT_BENCH_PROF}`] }
      : {}),
    output: "inherit",
  });
  try {
    const { port } = await server.next("listening", 30_000);
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1 });
    const rows: Row[] = [];
    await puts(pool, "warm-up", 500, 1, 0);
    rows.push(await puts(pool, "PUT, sequential", PUTS, 1, 10_000));
    rows.push(await puts(pool, `PUT, ${CONCURRENCY} concurrent`, PUTS, CONCURRENCY, 20_000));

    const resources = Array.from({ length: APPLY_SIZE }, (_, i) => ({
      kind: "clusters",
      resource: cluster(`bulk-${i}`, 1 + (i % 65000)),
    }));
    rows.push(
      await apply(pool, server.pid, `apply ${APPLY_SIZE} (JSON)`, JSON.stringify({ resources }), "application/json"),
    );
    const yamlResources = resources.map(({ resource }) => ({ kind: "Cluster", ...resource, connect_timeout: "0.5s" }));
    const yaml = yamlResources.map((doc) => stringify(doc)).join("---\n");
    rows.push(await apply(pool, server.pid, `apply ${APPLY_SIZE} (YAML)`, yaml, "application/yaml"));
    await pool.close();

    console.log(`\nREST API writes over HTTP, SqliteStore (WAL, synchronous=FULL), Node ${process.version}\n`);
    console.log("| scenario | requests | time (s) | p50 (ms) | p99 (ms) | result |");
    console.log("| --- | ---: | ---: | ---: | ---: | --- |");
    for (const row of rows) {
      console.log(
        `| ${row.scenario} | ${row.requests} | ${row.seconds.toFixed(2)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.note} |`,
      );
    }
  } finally {
    await server.stop();
  }
}

process.on("SIGINT", () => {
  void stopAllChildren().then(() => process.exit(130));
});
await main();
