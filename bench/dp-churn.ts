// Config churn for the data-plane benchmark: `rate` changes per second through the REST API, on a
// fixed schedule, alternating the catch-all route's weights between the first two clusters
// (90/10 and 10/90) and the second cluster's endpoints (one backend port, then both).
import type { Api } from "../test/e2e/mesh.js";
import { assignment, clusterName, ROUTE_CONFIG_NAME, routeConfig } from "./dp-config.js";
import { summarize } from "./percentiles.js";

export interface ChurnResult {
  readonly changes: number;
  readonly failedChanges: number;
  /** How long the API took to accept a change, ms. */
  readonly applyP50Ms: number;
  readonly applyP99Ms: number;
}

export async function churn(
  api: Api,
  backendPorts: readonly number[],
  rate: number,
  seconds: number,
): Promise<ChurnResult> {
  const total = Math.round(rate * seconds);
  const intervalMs = 1_000 / rate;
  const applyMs: number[] = [];
  let failedChanges = 0;
  const second = clusterName(1);
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    try {
      if (i % 2 === 0) {
        const weights: [number, number] = i % 4 === 0 ? [90, 10] : [10, 90];
        await api.put("routes", ROUTE_CONFIG_NAME, routeConfig(weights));
      } else {
        const ports = i % 4 === 1 ? backendPorts.slice(0, 1) : backendPorts;
        await api.put("endpoints", second, assignment(second, ports));
      }
      applyMs.push(performance.now() - sent);
    } catch {
      failedChanges++;
    }
  }
  const { p50, p99 } = summarize(applyMs);
  return { changes: total, failedChanges, applyP50Ms: p50, applyP99Ms: p99 };
}

/** The sum of a counter's series in a Prometheus text exposition (0 when absent). */
export async function scrapeCounter(adminUrl: string, metric: string): Promise<number> {
  const response = await fetch(`${adminUrl}/stats/prometheus`);
  const text = await response.text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${metric}{`) || line.startsWith(`${metric} `))
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}
