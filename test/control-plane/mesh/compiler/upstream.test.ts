// A sidecar's `--upstream` TCP listeners: a local address whose bytes go to one Service port's
// cluster through a TCP proxy; accepted by both planes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileUpstreams, serviceClusterName } from "../../../../control-plane/src/mesh/compiler/index.js";
import type { RuntimeListener } from "../../../../data-plane/src/config/index.js";
import { service } from "../mesh-documents.js";
import { assertBothPlanesAccept, stateOf } from "./both-planes.js";

const state = stateOf(
  service("postgres", [
    { name: "sql", port: 5432, appProtocol: "tcp" },
    { name: "admin", port: 8008, appProtocol: "http" },
  ]),
  service("catalog"),
);

describe("mesh compiler: upstream listeners", () => {
  test("an upstream without a port is a TCP listener on its address proxying to the Service's first port", () => {
    const { listeners, issues } = compileUpstreams(state, [
      { service: "postgres", port: undefined, listen: { host: "127.0.0.1", port: 15432 } },
    ]);
    assert.deepEqual(issues, []);
    assert.equal(listeners.length, 1);
    const [listener] = listeners;
    assert.ok(listener);
    assert.equal(listener.name, "outbound|upstream|127.0.0.1:15432");
    const built = assertBothPlanesAccept(listener) as RuntimeListener;
    assert.deepEqual([built.kind, built.host, built.port], ["tcp", "127.0.0.1", 15432]);
    assert.equal(built.tcp?.cluster, serviceClusterName("postgres", 5432));
  });

  test("an upstream naming a port proxies to that port's cluster, whatever the port speaks", () => {
    const { listeners } = compileUpstreams(state, [
      { service: "postgres", port: 8008, listen: { host: "127.0.0.1", port: 18008 } },
      { service: "catalog", port: 8080, listen: { host: "::1", port: 18080 } },
    ]);
    const built = listeners.map((l) => assertBothPlanesAccept(l) as RuntimeListener);
    assert.deepEqual(
      listeners.map((l) => l.name),
      ["outbound|upstream|127.0.0.1:18008", "outbound|upstream|[::1]:18080"],
    );
    assert.deepEqual(
      built.map((l) => l.tcp?.cluster),
      ["outbound|8008||postgres", "outbound|8080||catalog"],
    );
  });

  test("an upstream naming no Service, or no port of it, gets no listener and an issue on that Service", () => {
    const { listeners, issues } = compileUpstreams(state, [
      { service: "redis", port: undefined, listen: { host: "127.0.0.1", port: 16379 } },
      { service: "postgres", port: 5433, listen: { host: "127.0.0.1", port: 15433 } },
      { service: "catalog", port: undefined, listen: { host: "127.0.0.1", port: 18081 } },
    ]);
    assert.deepEqual(
      listeners.map((l) => l.name),
      ["outbound|upstream|127.0.0.1:18081"],
    );
    assert.deepEqual(
      issues.map((i) => [i.kind, i.name, i.path]),
      [
        ["services", "redis", "metadata.name"],
        ["services", "postgres", "spec.ports"],
      ],
    );
  });
});
