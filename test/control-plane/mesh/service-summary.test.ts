// What operators see of a Service, from mesh documents alone: endpoints counted as the compiler
// selects them and reads their health, routes attached as the compiler attaches them, backend
// shares as compiled, callers by their dependencies, and only the issues that concern it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CompileIssue } from "../../../control-plane/src/mesh/compiler/index.js";
import { serviceDetail, serviceSummaries } from "../../../control-plane/src/mesh/service-summary.js";
import { stateOf } from "./compiler/both-planes.js";
import { changed, destinationRule, grpcRoute, httpRoute, service, workloadEntry } from "./mesh-documents.js";

const catalog = service("catalog", [
  { name: "http", port: 8080 },
  { name: "grpc", port: 9090, appProtocol: "grpc" },
]);
const entry = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}) =>
  changed(workloadEntry(name, labels), (doc) => {
    doc.metadata.annotations = annotations;
  });

const mesh = stateOf(
  catalog,
  service("catalog-v1", [{ name: "http", port: 8080 }], { app: "catalog", version: "v1" }),
  service("catalog-v2", [{ name: "http", port: 8080 }], { app: "catalog", version: "v2" }),
  service("pricing", [{ name: "grpc", port: 9090, appProtocol: "grpc" }]),
  entry("catalog-1", { app: "catalog", version: "v1" }),
  entry("catalog-2", { app: "catalog", version: "v2" }, { "weft.dev/health": "unhealthy" }),
  entry("catalog-3", { app: "catalog", version: "v1" }, { "weft.dev/health": "draining" }),
  entry(
    "catalog-4",
    { app: "catalog", version: "v1" },
    { "weft.dev/registered-by": "catalog-node-4", "weft.dev/port": "41001" },
  ),
  entry("other", { app: "pricing" }),
  changed(
    httpRoute("catalog", "catalog", [
      ["catalog-v1", 90],
      ["catalog-v2", 10],
      ["ghost", 50],
      ["catalog-v2", 0],
    ]),
    (doc) => {
      doc.spec.rules[0].backendRefs[3].port = 8080;
    },
  ),
  changed(httpRoute("grpc-only", "catalog", [["catalog", 1]]), (doc) => {
    doc.spec.parentRefs[0].port = 9090;
    doc.spec.rules[0].backendRefs[0].port = 9090;
  }),
  httpRoute("elsewhere", "pricing", [["pricing", 1]]),
  grpcRoute("pricing"),
  destinationRule("catalog", "catalog"),
);

describe("service summaries", () => {
  test("each Service lists its ports, its endpoints healthy over total, and the routes attached to it", () => {
    const summaries = serviceSummaries(mesh);
    assert.deepEqual(
      summaries.map((s) => s.name),
      ["catalog", "catalog-v1", "catalog-v2", "pricing"],
    );
    const [summary] = summaries;
    assert.deepEqual(summary?.ports, [
      { name: "http", port: 8080, appProtocol: "http", cluster: "outbound|8080||catalog" },
      { name: "grpc", port: 9090, appProtocol: "grpc", cluster: "outbound|9090||catalog" },
    ]);
    // catalog-2 is unhealthy and catalog-3 draining: neither takes traffic.
    assert.deepEqual(summary?.endpoints, { healthy: 2, total: 4 });
    assert.deepEqual(summary?.routes, [
      { kind: "httproutes", name: "catalog" },
      { kind: "httproutes", name: "grpc-only" },
    ]);
    const pricing = summaries.find((s) => s.name === "pricing");
    assert.deepEqual(pricing?.endpoints, { healthy: 1, total: 1 });
    // `elsewhere` names pricing's port 8080, which pricing lacks: it attaches nowhere, as compiled.
    assert.deepEqual(pricing?.routes, [{ kind: "grpcroutes", name: "pricing" }]);
    assert.deepEqual(summaries.find((s) => s.name === "catalog-v1")?.endpoints, { healthy: 2, total: 3 });
  });

  test("a Service without a selector selects no endpoint", () => {
    const bare = changed(service("bare"), (doc) => {
      delete doc.spec.selector;
    });
    const [summary] = serviceSummaries(stateOf(bare, workloadEntry("bare-1", { app: "bare" })));
    assert.deepEqual(summary?.endpoints, { healthy: 0, total: 0 });
  });
});

describe("service detail", () => {
  const issues: CompileIssue[] = [
    { kind: "httproutes", name: "catalog", path: "spec.rules[0].backendRefs[2].name", message: "no Service ghost" },
    { kind: "workloadentries", name: "catalog-1", path: "spec.address", message: "a host name" },
    { kind: "workloadentries", name: "other", path: "spec.address", message: "a host name" },
    { kind: "grpcroutes", name: "pricing", path: "spec.rules[0]", message: "not catalog's" },
  ];

  test("rules list their matches and backends with the shares the compiler gives them", () => {
    const detail = serviceDetail(mesh, "catalog", issues, []);
    const route = detail?.attachedRoutes.find((r) => r.name === "catalog");
    assert.deepEqual(route?.ports, [8080]);
    const [rule] = route?.rules ?? [];
    assert.deepEqual(rule?.matches, ["GET PathPrefix /items header x-canary~^yes|no$ query debug=1"]);
    // ghost names no Service and weight 0 sends nothing: 90 and 10 share the traffic.
    assert.deepEqual(
      rule?.backends.map((b) => [b.service, b.port, b.weight, b.share, b.missing]),
      [
        ["catalog-v1", 8080, 90, 0.9, false],
        ["catalog-v2", 8080, 10, 0.1, false],
        ["ghost", 8080, 50, 0, true],
        ["catalog-v2", 8080, 0, 0, false],
      ],
    );
    assert.deepEqual(rule?.filters, ["RequestHeaderModifier", "URLRewrite"]);
    assert.deepEqual(rule?.timeouts, { request: "10s", backendRequest: "2s" });
    assert.deepEqual(detail?.attachedRoutes.find((r) => r.name === "grpc-only")?.ports, [9090]);
  });

  test("a GRPCRoute's matches name the gRPC service and method", () => {
    const detail = serviceDetail(mesh, "pricing", [], []);
    const route = detail?.attachedRoutes.find((r) => r.kind === "grpcroutes");
    assert.deepEqual(route?.rules[0]?.matches, ["method shop.Pricing/Quote header x-tier=gold"]);
    assert.deepEqual(route?.rules[0]?.backends, [
      { service: "pricing-v1", port: 9090, weight: 1, share: 0, missing: true },
    ]);
  });

  test("endpoints carry health, locality, weight and the registering node; hand-written ones have none", () => {
    const detail = serviceDetail(mesh, "catalog", [], []);
    assert.deepEqual(
      detail?.endpointList.map((e) => [e.entry, e.health, e.registeredBy]),
      [
        ["catalog-1", "HEALTHY", null],
        ["catalog-2", "UNHEALTHY", null],
        ["catalog-3", "DRAINING", null],
        ["catalog-4", "HEALTHY", "catalog-node-4"],
      ],
    );
    const [first] = detail?.endpointList ?? [];
    assert.deepEqual(
      { address: first?.address, ports: first?.ports, locality: first?.locality, weight: first?.weight },
      { address: "127.0.0.1", ports: { http: 8080, grpc: 9090 }, locality: "eu/a", weight: 2 },
    );
    // The ports as compiled: a registered sidecar's inbound port for every port spec.ports leaves out.
    assert.deepEqual(detail?.endpointList.at(-1)?.ports, { http: 8080, grpc: 41001 });
  });

  test("the DestinationRule, the callers and the issues are those concerning the Service only", () => {
    const sidecars = [
      { nodeId: "web-1", service: "web", depends: ["catalog", "pricing"] },
      { nodeId: "web-2", service: "web", depends: undefined },
      { nodeId: "billing-1", service: "billing", depends: ["pricing"] },
    ];
    const detail = serviceDetail(mesh, "catalog", issues, sidecars);
    assert.equal(detail?.destinationRule?.name, "catalog");
    assert.ok(detail?.destinationRule?.trafficPolicy.outlierDetection);
    assert.deepEqual(detail?.callers, [
      { nodeId: "web-1", service: "web", restricted: true },
      { nodeId: "web-2", service: "web", restricted: false },
    ]);
    assert.deepEqual(
      detail?.issues.map((i) => `${i.kind}/${i.name}`),
      ["httproutes/catalog", "workloadentries/catalog-1"],
    );
    assert.equal(serviceDetail(mesh, "catalog-v1", issues, sidecars)?.destinationRule, null);
  });

  test("a name no Service has gives nothing", () => {
    assert.equal(serviceDetail(mesh, "ghost", [], []), undefined);
  });
});
