import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { ResilienceMetrics } from "../../../data-plane/src/metrics/resilience-metrics.js";
import { parseSamples, sampleValue } from "./prom-text.js";

test("health-check results and ejections are counted by cluster, ejected endpoints read at scrape", async () => {
  const registry = new Registry();
  let ejected = new Map([["backend", 1]]);
  const metrics = new ResilienceMetrics(registry, { ejectedEndpoints: () => ejected });
  metrics.healthCheck("backend", true);
  metrics.healthCheck("backend", true);
  metrics.healthCheck("backend", false);
  metrics.ejection("backend", "consecutive_5xx");
  metrics.ejection("other", "consecutive_gateway_failure");

  let samples = parseSamples(await registry.metrics());
  const value = (name: string, labels: Record<string, string>) => sampleValue(samples, name, labels);
  assert.equal(value("weft_proxy_health_check_total", { cluster: "backend", result: "success" }), 2);
  assert.equal(value("weft_proxy_health_check_total", { cluster: "backend", result: "failure" }), 1);
  assert.equal(value("weft_proxy_outlier_ejections_total", { cluster: "backend", reason: "consecutive_5xx" }), 1);
  assert.equal(
    value("weft_proxy_outlier_ejections_total", { cluster: "other", reason: "consecutive_gateway_failure" }),
    1,
  );
  assert.equal(value("weft_proxy_endpoints_ejected", { cluster: "backend" }), 1);

  ejected = new Map([["other", 2]]);
  samples = parseSamples(await registry.metrics());
  assert.equal(
    value("weft_proxy_endpoints_ejected", { cluster: "backend" }),
    undefined,
    "a cluster gone is not reported",
  );
  assert.equal(value("weft_proxy_endpoints_ejected", { cluster: "other" }), 2);
});
