// An open-loop load generator: requests are sent on a fixed schedule (every 1/rate seconds)
// whether or not earlier ones were answered, which wrk cannot do; latency is measured per request
// from its send to the end of its response body. Run as
//   node --import tsx bench/dp-open-loop.ts URL RATE SECONDS WARMUP_SECONDS
// it prints one JSON line (OpenLoopResult) and exits. Requests of the warm-up are not counted.
import { createHistogram } from "node:perf_hooks";
import { Pool } from "undici";

export interface OpenLoopResult {
  readonly rate: number;
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** Latency percentiles in milliseconds. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** How late sends were against their schedule (generator's own lag), p99 in milliseconds. */
  readonly sendLagP99Ms: number;
  readonly firstError: string | undefined;
}

async function main(): Promise<void> {
  const [url, rateArg, secondsArg, warmupArg] = process.argv.slice(2);
  const rate = Number(rateArg);
  const seconds = Number(secondsArg);
  const warmup = Number(warmupArg ?? 0);
  if (!url || !(rate > 0) || !(seconds > 0)) throw new Error("usage: dp-open-loop.ts URL RATE SECONDS WARMUP");
  const target = new URL(url);
  // Enough connections that a request never waits for a free one at this rate.
  const pool = new Pool(target.origin, { connections: 64, pipelining: 1 });
  const latency = createHistogram();
  const lag = createHistogram();
  const intervalNs = BigInt(Math.round(1e9 / rate));
  const warmupCount = Math.round(warmup * rate);
  const total = warmupCount + Math.round(seconds * rate);
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const inFlight = new Set<Promise<void>>();

  const send = (counted: boolean) => {
    const started = process.hrtime.bigint();
    const request = pool
      .request({ method: "GET", path: target.pathname })
      .then(async ({ statusCode, body }) => {
        await body.dump();
        if (!counted) return;
        if (statusCode >= 200 && statusCode < 400) {
          ok++;
          latency.record(Math.max(1, Number(process.hrtime.bigint() - started)));
        } else {
          failed++;
          firstError ??= `status ${statusCode}`;
        }
      })
      .catch((error: unknown) => {
        if (!counted) return;
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };

  const start = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    // A 1 ms timer, not a setImmediate spin: spinning would take the core the backend shares. A late
    // timer sends every request that fell due meanwhile; the lag histogram shows how late.
    const tick = () => {
      const now = process.hrtime.bigint();
      while (sent < total && start + BigInt(sent) * intervalNs <= now) {
        const counted = sent >= warmupCount;
        if (counted) lag.record(Math.max(1, Number(now - (start + BigInt(sent) * intervalNs))));
        sent++;
        send(counted);
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inFlight);
  await pool.close();
  const ms = (ns: number) => ns / 1e6;
  const result: OpenLoopResult = {
    rate,
    sent: total - warmupCount,
    ok,
    failed,
    p50Ms: ms(latency.percentile(50)),
    p99Ms: ms(latency.percentile(99)),
    maxMs: ms(latency.max),
    sendLagP99Ms: ms(lag.percentile(99)),
    firstError,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
