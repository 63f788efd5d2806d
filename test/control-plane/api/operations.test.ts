// /healthz, /metrics, /openapi.json, /docs and /v1/proxies.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { ProxyStatus } from "../../../control-plane/src/status/proxy-status.js";
import { type Harness, harness, put, staticCluster } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.close());

describe("GET /healthz", () => {
  test("200 while ready, 503 before", async () => {
    const ok = await h.inject({ method: "GET", url: "/healthz" });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { status: "ok" });
    h.setReady(false);
    const starting = await h.inject({ method: "GET", url: "/healthz" });
    assert.equal(starting.statusCode, 503);
    assert.deepEqual(starting.json(), { status: "unavailable" });
  });
});

describe("GET /metrics", () => {
  test("Prometheus text with weft_ metrics, API requests labelled by route pattern", async () => {
    await put(h, "clusters", "web", staticCluster("web"));
    await h.inject({ method: "GET", url: "/v1/resources/clusters/nope" });
    h.metrics.xdsPushes.inc({ type_url: "type.googleapis.com/envoy.config.cluster.v3.Cluster" });
    const response = await h.inject({ method: "GET", url: "/metrics" });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
    const text = response.body;
    for (const name of [
      "weft_connected_proxies",
      "weft_xds_pushes_total",
      "weft_xds_nacks_total",
      "weft_config_convergence_seconds_bucket",
      "weft_config_size_bytes",
      "weft_api_requests_total",
      "weft_api_request_duration_seconds_bucket",
      "weft_store_write_duration_seconds_count",
      "weft_store_revision",
      "process_cpu_seconds_total",
    ]) {
      assert.match(text, new RegExp(`^# (HELP|TYPE) ${name.replace(/_(bucket|count)$/, "")} `, "m"), name);
    }
    assert.match(
      text,
      /^weft_api_requests_total\{method="PUT",route="\/v1\/resources\/:kind\/:name",status="200"\} 1$/m,
    );
    assert.match(
      text,
      /^weft_api_requests_total\{method="GET",route="\/v1\/resources\/:kind\/:name",status="404"\} 1$/m,
    );
    assert.doesNotMatch(text, /route="\/v1\/resources\/clusters/, "never the raw URL");
    assert.match(text, /^weft_store_revision 1$/m);
    assert.match(text, /^weft_store_write_duration_seconds_count 1$/m);
    assert.match(text, /^weft_config_convergence_seconds_bucket\{le="0.001"\} 0$/m);
    assert.match(text, /^weft_config_convergence_seconds_bucket\{le="10"\} 0$/m);
  });
});

describe("GET /openapi.json and /docs", () => {
  test("an OpenAPI 3 document describing every route of the contract", async () => {
    const response = await h.inject({ method: "GET", url: "/openapi.json" });
    assert.equal(response.statusCode, 200);
    const doc = response.json();
    assert.match(doc.openapi, /^3\./);
    assert.equal(typeof doc.info.title, "string");
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const expected of [
      "PUT /v1/resources/{kind}/{name}",
      "GET /v1/resources/{kind}/{name}",
      "DELETE /v1/resources/{kind}/{name}",
      "GET /v1/resources/{kind}",
      "POST /v1/apply",
      "GET /v1/proxies",
      "GET /v1/nacks",
      "GET /v1/revisions",
      "GET /v1/revisions/{revision}",
      "POST /v1/revisions/{revision}/rollback",
      "GET /healthz",
      "GET /metrics",
      "GET /openapi.json",
    ]) {
      assert.ok(operations.includes(expected), `${expected} missing from ${operations.join(", ")}`);
    }
    const put = doc.paths["/v1/resources/{kind}/{name}"].put;
    assert.ok(put.requestBody.content["application/json"]);
    assert.ok(put.requestBody.content["application/yaml"]);
    assert.ok(put.responses["200"].content["application/json"].schema.properties.version);
    assert.ok(put.responses["4XX"] ?? put.responses["4xx"], "errors are described");
    const applyBody = doc.paths["/v1/apply"].post.requestBody.content["application/json"].schema;
    assert.ok(applyBody.properties.resources);
  });

  test("/docs serves the viewer and its assets from the package, no network needed", async () => {
    const page = await h.inject({ method: "GET", url: "/docs" });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers["content-type"]), /text\/html/);
    const scripts = [...page.body.matchAll(/src="([^"]+)"/g)].map((m) => m[1] ?? "");
    assert.ok(scripts.length > 0);
    for (const src of scripts) {
      assert.doesNotMatch(src, /^https?:/, "every asset is local");
      const url = src.startsWith("/") ? src : `/docs/${src.replace(/^\.\//, "")}`;
      assert.equal((await h.inject({ method: "GET", url })).statusCode, 200, url);
    }
  });
});

describe("GET /v1/proxies", () => {
  test("maps each proxy's status to the README's fields, and only those", async () => {
    const typeUrl = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    const proxy: ProxyStatus = {
      nodeId: "node-1",
      cluster: "web",
      address: "127.0.0.1:50000",
      connectedAt: "2025-01-01T00:00:00.000Z",
      userAgent: "weft 0.1.0",
      metadata: { secret: "not shown" },
      revision: null,
      types: {
        [typeUrl]: {
          state: "NACKED",
          versionSent: "v2",
          versionAcked: "v1",
          nonce: "7",
          subscribed: ["*"],
          revision: 3,
          lastNack: { message: "bad cluster", at: "2025-01-01T00:00:01.000Z", revision: 4 },
        },
        "type.googleapis.com/envoy.config.listener.v3.Listener": {
          state: "NOT_SENT",
          versionSent: "",
          versionAcked: "",
          nonce: "",
          subscribed: [],
          revision: null,
          lastNack: null,
        },
      },
    };
    h.proxies.list = [proxy];
    const response = await h.inject({ method: "GET", url: "/v1/proxies" });
    assert.equal(response.statusCode, 200);
    const { metadata: _metadata, ...expected } = proxy;
    assert.deepEqual(response.json(), { proxies: [expected] });
  });

  test("no proxies, an empty list", async () => {
    assert.deepEqual((await h.inject({ method: "GET", url: "/v1/proxies" })).json(), { proxies: [] });
  });
});
