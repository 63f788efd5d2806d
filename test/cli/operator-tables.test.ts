// How `weft get services`, `weft describe service` and `weft config` print what the API answers,
// including the cases a live mesh rarely shows: nothing attached, a backend left out, no resources.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { MeshService, ProxyConfig } from "../../cli/src/client/index.js";
import { configTable } from "../../cli/src/commands/config.js";
import { describeText } from "../../cli/src/commands/describe.js";
import { portsText, servicesTable } from "../../cli/src/commands/get.js";
import { KINDS } from "../../proto/index.js";

const bare: MeshService["service"] = {
  name: "ledger",
  version: "0123456789abcdef",
  revision: 7,
  ports: [{ port: 5432, appProtocol: "tcp", cluster: "outbound|5432||ledger" }],
  endpoints: { healthy: 0, total: 0 },
  routes: [],
  selector: {},
  attachedRoutes: [],
  destinationRule: null,
  peerAuthentication: null,
  endpointList: [],
  callers: [],
  issues: [],
};

describe("operator tables", () => {
  test("ports print name:port, with the protocol unless it is http", () => {
    assert.equal(
      portsText([
        { name: "http", port: 80, appProtocol: "http" },
        { name: "grpc", port: 9090, appProtocol: "grpc" },
        { port: 5432, appProtocol: "tcp" },
      ]),
      "http:80,grpc:9090/grpc,5432/tcp",
    );
  });

  test("a Service with nothing attached shows dashes, and GRPCRoutes are told apart from HTTPRoutes", () => {
    const table = servicesTable([
      bare,
      {
        ...bare,
        name: "pricing",
        routes: [
          { kind: "httproutes", name: "pricing" },
          { kind: "grpcroutes", name: "pricing" },
        ],
      },
    ]);
    assert.match(table, /^ledger +5432\/tcp +0\/0 +- +01234567 +7$/m);
    assert.match(table, /^pricing +5432\/tcp +0\/0 +pricing,grpcroute\/pricing +01234567 +7$/m);
  });

  test("describe says what is absent: no selector, no routes, no rule, no endpoints, callers or issues", () => {
    const text = describeText(bare);
    assert.match(text, /^Selector: +none \(selects no workload\)$/m);
    assert.match(text, /^Routes: +none /m);
    assert.match(text, /^DestinationRule: none \(mesh defaults\)$/m);
    assert.match(text, /^mTLS: +--mtls-mode of the control plane/m);
    assert.equal(text.match(/^ {2}none$/gm)?.length, 3);
  });

  test("describe names the PeerAuthentication deciding the Service's mTLS mode", () => {
    const own = describeText({ ...bare, peerAuthentication: { name: "ledger", mode: "STRICT", meshWide: false } });
    assert.match(own, /^mTLS: +STRICT \(PeerAuthentication ledger\)$/m);
    const mesh = describeText({ ...bare, peerAuthentication: { name: "mesh", mode: "DISABLE", meshWide: true } });
    assert.match(mesh, /^mTLS: +DISABLE \(PeerAuthentication mesh, mesh-wide\)$/m);
  });

  test("describe marks a backend the compiler leaves out, and a rule without matches takes every request", () => {
    const text = describeText({
      ...bare,
      attachedRoutes: [
        {
          kind: "grpcroutes",
          name: "ledger",
          ports: [5432],
          rules: [
            {
              matches: [],
              backends: [{ service: "ghost", port: 1, weight: 1, share: 0, missing: true }],
              filters: [],
            },
          ],
        },
      ],
      issues: [
        { kind: "grpcroutes", name: "ledger", path: "spec.rules[0].backendRefs[0].name", message: "no Service" },
      ],
    });
    assert.match(text, /^ {2}GRPCRoute ledger \(ports 5432\)$/m);
    assert.match(text, /^ {4}rule 0: every request$/m);
    assert.match(text, /-> ghost:1 \(no such Service port: left out\)$/m);
    assert.match(text, /^ {2}grpcroutes\/ledger spec\.rules\[0\]\.backendRefs\[0\]\.name: no Service$/m);
  });

  test("config prints the node's role and a line per resource in kind order, or says there is none", () => {
    const config: ProxyConfig = {
      nodeId: "front-1",
      revision: 3,
      node: { cluster: "front", userAgent: "weft", connectedAt: "2026-01-01T00:00:00.000Z", sidecar: null },
      types: {
        [KINDS.endpoints.typeUrl]: {
          kind: "endpoints",
          subscribed: null,
          version: "v",
          resources: [{ name: "orders", version: "abcdef0123", origin: "synthetic", generated: true, resource: {} }],
        },
        [KINDS.clusters.typeUrl]: {
          kind: "clusters",
          subscribed: ["*"],
          version: "v",
          resources: [{ name: "orders", version: "9876543210", origin: "written", generated: false, resource: {} }],
        },
      },
    };
    const text = configTable(config);
    assert.equal(
      text,
      [
        "node front-1 (proxy), revision 3",
        "TYPE                   NAME    VERSION   ORIGIN",
        "Cluster                orders  98765432  written",
        "ClusterLoadAssignment  orders  abcdef01  synthetic",
        "",
      ].join("\n"),
    );
    assert.equal(configTable({ ...config, types: {} }), "node front-1 (proxy), revision 3\n(no resources)\n");
  });
});
