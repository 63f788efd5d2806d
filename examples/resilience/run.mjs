// Resilience against a deliberately flaky backend: retries, a route timeout, outlier detection and
// a circuit breaker, each measured through one Weft proxy with its counters from
// /stats/prometheus before and after. `npm run example:resilience`; exits 0 only when every check
// held. See README.md.
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  countAnswers,
  freePort,
  runExample,
  startControlPlane,
  startProxy,
  waitForProxies,
} from "../lib/example-run.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const RETRY_REQUESTS = 200;
const FLAKY_PERCENT = 30;
const SLOW_REQUESTS = 5;
const BURST = 20;
/** The counters the example reads from the proxy's /stats/prometheus (summed over their other labels). */
const COUNTERS = [
  "weft_proxy_upstream_retries_total",
  "weft_proxy_upstream_retries_exhausted_total",
  'weft_proxy_responses_by_flag_total{flag="UT"}',
  "weft_proxy_outlier_ejections_total",
  "weft_proxy_circuit_breaker_overflows_total",
  'weft_proxy_responses_by_flag_total{flag="UO"}',
];
const [RETRIES, EXHAUSTED, UT, EJECTIONS, OVERFLOWS, UO] = COUNTERS;

await runExample("resilience", 60_000, async (run) => {
  // 1. Two backends ("steady" and "flaky", told how to misbehave step by step), the control plane
  //    and one proxy, all on 127.0.0.1; then the mesh, applied with the CLI.
  const backend = (name) => run.start(`backend ${name}`, [join(here, "backend.mjs"), name], (line) => "port" in line);
  const [steady, flaky, cp] = await Promise.all([backend("steady"), backend("flaky"), startControlPlane(run)]);
  const proxy = await startProxy(run, cp.xds, "proxy-1");
  await waitForProxies(run, cp.api, ["proxy-1"]);
  const ports = { PROXY_PORT: await freePort(), STEADY_PORT: steady.port, FLAKY_PORT: flaky.port };
  console.log(`proxy on 127.0.0.1:${ports.PROXY_PORT} (admin ${proxy.admin}), control plane API ${cp.api}`);
  console.log(`backends: steady on :${steady.port}, flaky on :${flaky.port}\n`);
  const mesh = run.render(join(here, "mesh.yaml"), ports);
  await run.weft(["apply", "-f", mesh, "--server", cp.api, "--wait", "--wait-timeout", "15s"]);

  const viaProxy = (path) => get(ports.PROXY_PORT, path);
  const tellFlaky = async (command) => JSON.parse((await get(flaky.port, `/_control/${command}`)).body);
  const start = await counters(proxy.admin);
  const checks = [];
  const check = (held, text) => {
    console.log(`   ${text} ${held ? "ok" : "WRONG"}`);
    checks.push(held);
  };

  // 2. Retries: flaky fails a share of its requests; every client request still gets a 200.
  console.log(
    `1. Retries: ${RETRY_REQUESTS} requests to /retries (steady + flaky, flaky answering ${FLAKY_PERCENT}% with 503;` +
      " retry_on 5xx, num_retries 3)",
  );
  await tellFlaky(`flaky?percent=${FLAKY_PERCENT}`);
  let before = await counters(proxy.admin);
  const answers = await countAnswers(RETRY_REQUESTS, async () => {
    const answer = await viaProxy("/retries");
    return answer.status === 200 ? answer.body : `HTTP ${answer.status}`;
  });
  const { served, failed } = await tellFlaky("ok");
  let after = await counters(proxy.admin);
  console.log(`   answered by: ${describe(answers)}; flaky answered 503 to ${failed} of the ${served} attempts it got`);
  printCounters(before, after, [RETRIES, EXHAUSTED]);
  const ok = (answers.get("steady") ?? 0) + (answers.get("flaky") ?? 0);
  check(ok === RETRY_REQUESTS, `${ok} of ${RETRY_REQUESTS} requests answered 200`);
  check(failed > 0 && after[RETRIES] - before[RETRIES] === failed, `one retry per 503 from flaky (${failed})`);
  check(after[EXHAUSTED] === before[EXHAUSTED], "no request ran out of retries");

  // 3. Timeouts: the backend answers 1 s late; the route gives up after 200 ms.
  console.log(`\n2. Timeouts: /timeouts has a route timeout of 200 ms; steady is asked to answer 1 s late`);
  before = await counters(proxy.admin);
  const quick = await viaProxy("/timeouts?ms=20");
  const slow = [];
  for (let i = 0; i < SLOW_REQUESTS; i++) slow.push(await viaProxy("/timeouts?ms=1000"));
  after = await counters(proxy.admin);
  const slowMs = slow.map((answer) => answer.ms);
  console.log(`   ?ms=20: ${quick.status} in ${quick.ms} ms`);
  console.log(
    `   ?ms=1000 × ${SLOW_REQUESTS}: ${describe(tally(slow.map((answer) => `HTTP ${answer.status}`)))}` +
      ` in ${Math.min(...slowMs)}-${Math.max(...slowMs)} ms`,
  );
  printCounters(before, after, [UT]);
  check(quick.status === 200, "an answer within the timeout passes");
  check(
    slow.every((answer) => answer.status === 504),
    `${slow.filter((answer) => answer.status === 504).length} of ${SLOW_REQUESTS} late answers turned into 504`,
  );
  check(Math.min(...slowMs) >= 180 && Math.max(...slowMs) < 700, "each 504 came at the timeout, not the backend's 1 s");
  check(after[UT] - before[UT] === SLOW_REQUESTS, `flag UT counted ${SLOW_REQUESTS} times`);

  // 4. Outlier detection: flaky answers every request with 503 until it is ejected; healed, it
  //    returns after its ejection time.
  console.log("\n3. Outlier detection: /outlier balances steady + flaky; flaky now answers every request with 503");
  await tellFlaky("fail");
  before = await counters(proxy.admin);
  const early = [];
  let state;
  for (let i = 0; i < 50 && !state?.outlier?.ejected; i++) {
    const answer = await viaProxy("/outlier");
    early.push(answer.status === 200 ? answer.body : `HTTP ${answer.status}`);
    state = await endpointState(proxy.admin, "outlier", flaky.port);
  }
  const ejectedUntil = state?.outlier?.ejectedUntil ?? 0;
  console.log(`   until the ejection: ${describe(tally(early))}`);
  console.log(
    `   /clusters: flaky healthFlags [${state?.healthFlags?.join(", ")}], ejected for another` +
      ` ${ejectedUntil - Date.now()} ms`,
  );
  const during = await countAnswers(50, async () => {
    const answer = await viaProxy("/outlier");
    return answer.status === 200 ? answer.body : `HTTP ${answer.status}`;
  });
  console.log(`   50 requests while it is ejected: ${describe(during)}`);
  await tellFlaky("ok");
  while ((await viaProxy("/outlier")).body !== "flaky") await sleep(20);
  const readmitted = Date.now();
  const healed = await endpointState(proxy.admin, "outlier", flaky.port);
  after = await counters(proxy.admin);
  console.log(
    `   healed: flaky answered again ${readmitted - ejectedUntil} ms after its ejection time ended` +
      ` (sweeps every 200 ms); healthFlags [${healed?.healthFlags?.join(", ")}]`,
  );
  printCounters(before, after, [EJECTIONS]);
  check(
    state?.healthFlags?.includes("failed_outlier_check") &&
      early.filter((answer) => answer === "HTTP 503").length === 3,
    "flaky ejected (failed_outlier_check) after 3 consecutive 503s",
  );
  check(during.get("steady") === 50, "every request went to steady while flaky was ejected");
  check(
    readmitted >= ejectedUntil && readmitted - ejectedUntil < 1000 && healed?.healthFlags?.length === 0,
    "flaky readmitted after its ejection time",
  );
  check(after[EJECTIONS] - before[EJECTIONS] === 1, "one ejection counted");

  // 5. Circuit breaking: a burst beyond the cluster's limits is shed at once.
  console.log(
    `\n4. Circuit breaking: /breaker allows 2 requests in flight (+2 pending); ${BURST} at once, each answered 500 ms late`,
  );
  before = await counters(proxy.admin);
  const burst = await Promise.all(Array.from({ length: BURST }, () => viaProxy("/breaker?ms=500")));
  after = await counters(proxy.admin);
  const passed = burst.filter((answer) => answer.status === 200);
  const shed = burst.filter((answer) => answer.status === 503);
  console.log(`   ${passed.length} answered 200 in ${range(passed)} ms`);
  console.log(
    `   ${shed.length} answered 503 in ${range(shed)} ms, x-envoy-overloaded:` +
      ` ${describe(tally(shed.map((answer) => answer.headers["x-envoy-overloaded"] ?? "(none)")))}`,
  );
  printCounters(before, after, [OVERFLOWS, UO]);
  check(passed.length >= 2 && passed.length <= 4, `${passed.length} let through (limits 2 + 2)`);
  check(
    passed.length + shed.length === BURST && shed.every((answer) => answer.headers["x-envoy-overloaded"] === "true"),
    `the other ${shed.length} shed with 503 and x-envoy-overloaded: true`,
  );
  check(shed.length > 0 && Math.max(...shed.map((answer) => answer.ms)) < 300, "shed at once, not after 500 ms");
  check(
    after[OVERFLOWS] - before[OVERFLOWS] === shed.length && after[UO] - before[UO] === shed.length,
    `${shed.length} overflows counted, and as flag UO`,
  );

  // 6. The counters over the whole run.
  const end = await counters(proxy.admin);
  const width = Math.max(...COUNTERS.map((name) => name.length));
  console.log(`\n${"counter".padEnd(width)}  before → after`);
  for (const name of COUNTERS) console.log(`${name.padEnd(width)}  ${String(start[name]).padStart(6)} → ${end[name]}`);
  console.log();
  return checks.every(Boolean);
});

/** GET http://127.0.0.1:port/path on a connection of its own; resolves with status, headers, body and ms taken. */
function get(port, path) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () =>
        resolve({
          status: response.statusCode,
          headers: response.headers,
          body,
          ms: Math.round(performance.now() - started),
        }),
      );
    });
    request.on("error", reject);
  });
}

/** The proxy's counters, each summed over the lines of /stats/prometheus that start with it. */
async function counters(admin) {
  const lines = (await (await fetch(`${admin}/stats/prometheus`)).text()).split("\n");
  const values = {};
  for (const name of COUNTERS) {
    const matching = lines.filter((line) => line.startsWith(name.includes("{") ? name : `${name}{`));
    values[name] = matching.reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
  }
  return values;
}

/** One endpoint's entry in the proxy's /clusters (JSON): healthFlags, outlier state... */
async function endpointState(admin, cluster, port) {
  const { clusters } = await (await fetch(`${admin}/clusters`)).json();
  const endpoints = clusters.find((entry) => entry.name === cluster)?.endpoints ?? [];
  return endpoints.find((endpoint) => endpoint.address === `127.0.0.1:${port}`);
}

function printCounters(before, after, names) {
  for (const name of names) console.log(`   ${name}: ${before[name]} → ${after[name]}`);
}

function tally(answers) {
  const counts = new Map();
  for (const answer of answers) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  return counts;
}

/** "steady × 140, flaky × 60" from a Map of answer to count. */
function describe(counts) {
  return [...counts].map(([answer, count]) => `${answer} × ${count}`).join(", ");
}

function range(answers) {
  const ms = answers.map((answer) => answer.ms);
  return ms.length === 0 ? "-" : `${Math.min(...ms)}-${Math.max(...ms)}`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
