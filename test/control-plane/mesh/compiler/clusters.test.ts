// One EDS cluster per Service port with the mesh defaults, HTTP/2 for h2c and gRPC ports, and the
// Service's DestinationRule mapped; every cluster accepted by both planes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  compileCluster,
  DEFAULT_CONNECT_TIMEOUT,
  type MeshState,
} from "../../../../control-plane/src/mesh/compiler/index.js";
import type { RuntimeCluster } from "../../../../data-plane/src/config/index.js";
import { changed, type Doc, destinationRule, service } from "../mesh-documents.js";
import { assertBothPlanesAccept, envoyJson, stateOf } from "./both-planes.js";

function clusterOf(state: MeshState, serviceName: string, port: number) {
  const svc = state.services.get(serviceName);
  assert.ok(svc);
  const servicePort = svc.spec.ports.find((p) => p.port === port);
  assert.ok(servicePort);
  const cluster = compileCluster(state, svc, servicePort);
  return { cluster, runtime: assertBothPlanesAccept(cluster) as RuntimeCluster };
}

function rule(trafficPolicy: Doc): Doc {
  return changed(destinationRule("catalog", "catalog"), (doc) => {
    doc.spec.trafficPolicy = trafficPolicy;
  });
}

describe("mesh compiler: clusters", () => {
  test("a Service port is an EDS cluster over ADS with the mesh defaults", () => {
    const { cluster, runtime } = clusterOf(stateOf(service("catalog")), "catalog", 8080);
    assert.equal(cluster.name, "outbound|8080||catalog");
    assert.equal(runtime.type, "EDS");
    assert.equal(runtime.edsServiceName, "outbound|8080||catalog");
    assert.equal(runtime.connectTimeoutMs, Number.parseFloat(DEFAULT_CONNECT_TIMEOUT) * 1000);
    assert.equal(runtime.lbPolicy, "LEAST_REQUEST");
    assert.equal(runtime.http2, false);
    // No limits unless a DestinationRule sets some (Istio's defaults): a crashed instance failing
    // many requests at once must not leave retries refused by Envoy's default of 3 in flight.
    assert.deepEqual(runtime.circuitBreakers, {
      maxConnections: 4294967295,
      maxPendingRequests: 4294967295,
      maxRequests: 4294967295,
      maxRetries: 4294967295,
    });
    assert.equal(runtime.outlierDetection?.consecutiveGatewayFailure.enforcingPercent, 100);
    assert.equal(runtime.outlierDetection?.consecutive5xx.enforcingPercent, 0);
    assert.equal(runtime.outlierDetection?.alwaysEjectOneHost, true);
    // Success-rate ejection is off in so many words: Envoy and gRPC clients turn it on when the
    // field is absent (and grpc-js 1.14 then fails its periodic check with too few requests).
    assert.equal(cluster.message.outlierDetection?.enforcingSuccessRate, 0);
  });

  test("http2, kubernetes.io/h2c and grpc ports are spoken to over HTTP/2; http and tcp over HTTP/1.1", () => {
    const state = stateOf(
      service("catalog", [
        { name: "a", port: 1, appProtocol: "http" },
        { name: "b", port: 2, appProtocol: "http2" },
        { name: "c", port: 3, appProtocol: "kubernetes.io/h2c" },
        { name: "d", port: 4, appProtocol: "grpc" },
        { name: "e", port: 5, appProtocol: "tcp" },
        { name: "f", port: 6 },
      ]),
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((port) => clusterOf(state, "catalog", port).runtime.http2),
      [false, true, true, true, false, false],
    );
  });

  test("a DestinationRule's simple load balancer, connection pool and outlier detection are the cluster's", () => {
    const state = stateOf(
      service("catalog"),
      rule({
        loadBalancer: { simple: "RANDOM" },
        connectionPool: {
          tcp: { maxConnections: 7, connectTimeout: "250ms" },
          http: { http1MaxPendingRequests: 8, http2MaxRequests: 9, maxRetries: 0 },
        },
        outlierDetection: {
          consecutive5xxErrors: 3,
          consecutiveGatewayErrors: 0,
          interval: "1.5s",
          baseEjectionTime: "1m",
          maxEjectionPercent: 100,
        },
      }),
    );
    const { runtime } = clusterOf(state, "catalog", 8080);
    assert.equal(runtime.lbPolicy, "RANDOM");
    assert.equal(runtime.connectTimeoutMs, 250);
    assert.deepEqual(runtime.circuitBreakers, {
      maxConnections: 7,
      maxPendingRequests: 8,
      maxRequests: 9,
      maxRetries: 0,
    });
    const outlier = runtime.outlierDetection;
    assert.deepEqual(outlier?.consecutive5xx, { threshold: 3, enforcingPercent: 100 });
    assert.equal(outlier?.consecutiveGatewayFailure.enforcingPercent, 0);
    assert.equal(outlier?.intervalMs, 1500);
    assert.equal(outlier?.baseEjectionTimeMs, 60_000);
    assert.equal(outlier?.maxEjectionPercent, 100);
  });

  test("a consistent hash makes a ring-hash cluster", () => {
    const state = stateOf(service("catalog"), rule({ loadBalancer: { consistentHash: { httpHeaderName: "x-user" } } }));
    assert.equal(clusterOf(state, "catalog", 8080).runtime.lbPolicy, "RING_HASH");
  });

  test("a DestinationRule for another Service changes nothing", () => {
    const state = stateOf(
      service("catalog"),
      service("pricing"),
      changed(rule({ loadBalancer: { simple: "RANDOM" } }), (doc) => {
        doc.spec.host = "pricing";
      }),
    );
    const plain = stateOf(service("catalog"));
    assert.deepEqual(
      envoyJson(clusterOf(state, "catalog", 8080).cluster),
      envoyJson(clusterOf(plain, "catalog", 8080).cluster),
    );
  });
});
