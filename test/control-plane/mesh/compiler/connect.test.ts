// CONNECT on the outbound listener, compiled: the connection manager enables the CONNECT upgrade,
// each Service port's virtual host starts with a connect_matcher route terminating CONNECT into
// OUTBOUND_CONNECT_CLUSTER, whose one endpoint is the outbound listener itself; accepted by both
// planes, and decided by the proxy's router as written.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  compileConnectCluster,
  compileOutbound,
  compileOutboundListener,
  OUTBOUND_CONNECT_CLUSTER,
} from "../../../../control-plane/src/mesh/compiler/index.js";
import type { RuntimeCluster, RuntimeListener, RuntimeRouteConfig } from "../../../../data-plane/src/config/index.js";
import { service } from "../mesh-documents.js";
import { assertBothPlanesAccept, stateOf } from "./both-planes.js";

describe("mesh compiler: CONNECT on the outbound listener", () => {
  test("the outbound listener enables CONNECT and rewrites the unknown host's reply", () => {
    const listener = assertBothPlanesAccept(
      compileOutboundListener({ host: "127.0.0.1", port: 15001 }),
    ) as RuntimeListener;
    assert.equal(listener.http?.connect, true);
    assert.deepEqual([...(listener.http?.localReply?.mappers[0]?.flags ?? [])], ["NR"]);
  });

  test("a CONNECT to a Service's name is terminated into the connect cluster; other requests never take that route", () => {
    const out = compileOutbound(
      stateOf(service("catalog"), service("pricing", [{ name: "grpc", port: 9090, appProtocol: "grpc" }])),
    );
    const table = (assertBothPlanesAccept(out.routes) as RuntimeRouteConfig).routeTable;
    for (const authority of ["catalog:80", "catalog.mesh:8080", "pricing:9090"]) {
      const decision = table.match({ authority, path: "", headers: new Map(), connect: true });
      assert.equal(decision?.action.type, "forward", authority);
      if (decision?.action.type !== "forward") return;
      assert.equal(decision.action.cluster, OUTBOUND_CONNECT_CLUSTER);
      assert.equal(decision.action.terminatesConnect, true);
      assert.equal(decision.action.timeoutMs, 0);
    }
    assert.equal(table.match({ authority: "ghost:80", path: "", headers: new Map(), connect: true }), undefined);
    const get = table.match({ authority: "catalog", path: "/", headers: new Map() });
    assert.equal(get?.action.type === "forward" ? get.action.cluster : undefined, "outbound|8080||catalog");
  });

  test("the connect cluster is the outbound listener's address, a wildcard bind reached on loopback", () => {
    for (const [host, expected] of [
      ["127.0.0.1", "127.0.0.1"],
      ["0.0.0.0", "127.0.0.1"],
      ["::", "::1"],
    ] as const) {
      const cluster = assertBothPlanesAccept(compileConnectCluster({ host, port: 15001 })) as RuntimeCluster;
      assert.equal(cluster.name, OUTBOUND_CONNECT_CLUSTER);
      assert.deepEqual(
        cluster.staticEndpoints?.localities.flatMap((l) => l.endpoints.map((e) => `${e.host}:${e.port}`)),
        [`${expected}:15001`],
      );
    }
  });
});
