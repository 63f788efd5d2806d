// A sidecar's own listeners: outbound (HTTP/1.1 and h2c, routes over ADS) and inbound with its
// app's cluster; accepted by both planes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  compileInbound,
  compileOutboundListener,
  INBOUND_APP_CLUSTER,
  OUTBOUND_LISTENER,
  OUTBOUND_ROUTES,
} from "../../../../control-plane/src/mesh/compiler/index.js";
import type { RuntimeCluster, RuntimeListener } from "../../../../data-plane/src/config/index.js";
import { assertBothPlanesAccept } from "./both-planes.js";

describe("mesh compiler: sidecar listeners", () => {
  test("the outbound listener binds the given address and takes its routes from the outbound route configuration over ADS", () => {
    const listener = compileOutboundListener({ host: "127.0.0.1", port: 15001 });
    assert.equal(listener.name, OUTBOUND_LISTENER);
    const built = assertBothPlanesAccept(listener) as RuntimeListener;
    assert.deepEqual([built.host, built.port, built.kind], ["127.0.0.1", 15001, "http"]);
    assert.equal(built.http?.codec, "auto");
    assert.equal(built.http?.routeConfigName, OUTBOUND_ROUTES);
  });

  test("an HTTP app is reached through one catch-all route without timeout, over HTTP/1.1 or HTTP/2 as its protocol says", () => {
    for (const [protocol, http2] of [
      ["http", false],
      ["http2", true],
    ] as const) {
      const inbound = compileInbound({
        listen: { host: "127.0.0.1", port: 15006 },
        app: { host: "127.0.0.1", port: 3000 },
        protocol,
      });
      const listener = assertBothPlanesAccept(inbound.listener) as RuntimeListener;
      assert.equal(listener.kind, "http");
      const decision = listener.http?.routeTable?.match({ authority: "catalog:8080", path: "/x", headers: new Map() });
      assert.equal(decision?.action.type, "forward");
      if (decision?.action.type === "forward") {
        assert.equal(decision.action.cluster, INBOUND_APP_CLUSTER);
        assert.equal(decision.action.timeoutMs, 0);
        assert.equal(decision.action.retryPolicy, undefined);
      }
      const cluster = assertBothPlanesAccept(inbound.cluster) as RuntimeCluster;
      assert.equal(cluster.type, "STATIC");
      assert.equal(cluster.http2, http2);
      assert.deepEqual(
        cluster.staticEndpoints?.localities.flatMap((l) => l.endpoints.map((e) => `${e.host}:${e.port}`)),
        ["127.0.0.1:3000"],
      );
    }
  });

  test("a tcp app is reached through a TCP proxy; an app named by host name is a DNS cluster", () => {
    const inbound = compileInbound({
      listen: { host: "127.0.0.1", port: 15006 },
      app: { host: "localhost", port: 5432 },
      protocol: "tcp",
    });
    const listener = assertBothPlanesAccept(inbound.listener) as RuntimeListener;
    assert.equal(listener.kind, "tcp");
    assert.equal(listener.tcp?.cluster, INBOUND_APP_CLUSTER);
    const cluster = assertBothPlanesAccept(inbound.cluster) as RuntimeCluster;
    assert.equal(cluster.type, "STRICT_DNS");
  });
});
