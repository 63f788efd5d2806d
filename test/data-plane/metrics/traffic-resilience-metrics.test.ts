import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Registry } from "prom-client";
import { TrafficResilienceMetrics } from "../../../data-plane/src/metrics/index.js";
import { parseSamples, sampleValue } from "./prom-text.js";

describe("traffic resilience metrics", () => {
  test("retries, exhausted retries and overflows are counted per cluster (and resource)", async () => {
    const registry = new Registry();
    const metrics = new TrafficResilienceMetrics({ registry });
    metrics.retried("web");
    metrics.retried("web");
    metrics.retried("api");
    metrics.retriesExhausted("web");
    metrics.overflowed("web", "requests");
    metrics.overflowed("web", "pendingRequests");
    metrics.overflowed("web", "requests");
    const samples = parseSamples(await registry.metrics());
    assert.equal(sampleValue(samples, "weft_proxy_upstream_retries_total", { cluster: "web" }), 2);
    assert.equal(sampleValue(samples, "weft_proxy_upstream_retries_total", { cluster: "api" }), 1);
    assert.equal(sampleValue(samples, "weft_proxy_upstream_retries_exhausted_total", { cluster: "web" }), 1);
    const overflows = "weft_proxy_circuit_breaker_overflows_total";
    assert.equal(sampleValue(samples, overflows, { cluster: "web", resource: "requests" }), 2);
    assert.equal(sampleValue(samples, overflows, { cluster: "web", resource: "pending_requests" }), 1);
  });

  test("the open-slots gauge is read from the breakers at each scrape", async () => {
    const registry = new Registry();
    let requests = 3;
    new TrafficResilienceMetrics({
      registry,
      breakers: () => [{ cluster: "web", requests, pendingRequests: 1 }],
    });
    let samples = parseSamples(await registry.metrics());
    assert.equal(sampleValue(samples, "weft_proxy_circuit_breaker_open", { cluster: "web", resource: "requests" }), 3);
    requests = 0;
    samples = parseSamples(await registry.metrics());
    assert.equal(sampleValue(samples, "weft_proxy_circuit_breaker_open", { cluster: "web", resource: "requests" }), 0);
    assert.equal(
      sampleValue(samples, "weft_proxy_circuit_breaker_open", { cluster: "web", resource: "pending_requests" }),
      1,
    );
  });
});
