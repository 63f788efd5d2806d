// A Service's endpoints: the WorkloadEntries whose labels contain its selector, one
// ClusterLoadAssignment per Service port, accepted by both planes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type CompileIssue,
  compileEndpoints,
  HEALTH_ANNOTATION,
  type MeshState,
} from "../../../../control-plane/src/mesh/compiler/index.js";
import { PORT_ANNOTATION } from "../../../../control-plane/src/mesh/index.js";
import type { RuntimeEndpoints } from "../../../../data-plane/src/config/index.js";
import { changed, type Doc, service, workloadEntry } from "../mesh-documents.js";
import { assertBothPlanesAccept, envoyJson, stateOf } from "./both-planes.js";

function entry(name: string, address: string, labels: Record<string, string>, extra: Doc = {}): Doc {
  return changed(workloadEntry(name, labels), (doc) => {
    doc.spec = { address, labels, ...extra };
  });
}

function endpointsOf(state: MeshState, serviceName: string, port: number, issues: CompileIssue[] = []) {
  const svc = state.services.get(serviceName);
  assert.ok(svc);
  const servicePort = svc.spec.ports.find((p) => p.port === port);
  assert.ok(servicePort);
  const assignment = compileEndpoints(state, svc, servicePort, issues);
  return { assignment, runtime: assertBothPlanesAccept(assignment) as RuntimeEndpoints };
}

const TWO_PORTS = service("catalog", [
  { name: "http", port: 8080 },
  { name: "grpc", port: 9090, appProtocol: "grpc" },
]);

describe("mesh compiler: endpoints", () => {
  test("a Service's endpoints are the entries whose labels contain its selector, at the workload's named port", () => {
    const state = stateOf(
      TWO_PORTS,
      entry("catalog-1", "10.0.0.1", { app: "catalog", version: "v1" }, { ports: { http: 18080 } }),
      entry("catalog-2", "10.0.0.2", { app: "catalog" }),
      entry("pricing-1", "10.0.0.3", { app: "pricing" }),
    );
    const { assignment, runtime } = endpointsOf(state, "catalog", 8080);
    assert.equal(assignment.name, "outbound|8080||catalog");
    const hosts = runtime.localities.flatMap((l) => l.endpoints.map((e) => `${e.host}:${e.port}`));
    assert.deepEqual(hosts, ["10.0.0.1:18080", "10.0.0.2:8080"]);
    const grpc = endpointsOf(state, "catalog", 9090).runtime;
    assert.deepEqual(
      grpc.localities.flatMap((l) => l.endpoints.map((e) => `${e.host}:${e.port}`)),
      ["10.0.0.1:9090", "10.0.0.2:9090"],
    );
  });

  test("a Service without a selector selects no workload, and its assignment is empty", () => {
    const state = stateOf(
      changed(service("db"), (doc) => {
        delete doc.spec.selector;
      }),
      entry("db-1", "10.0.0.9", { app: "db" }),
    );
    assert.deepEqual(envoyJson(endpointsOf(state, "db", 8080).assignment), { cluster_name: "outbound|8080||db" });
  });

  test("weights default to 1 (0 too), and localities group endpoints as region/zone/subzone", () => {
    const state = stateOf(
      service("catalog"),
      entry("a", "10.0.0.1", { app: "catalog" }, { locality: "eu/west-1/rack-2", weight: 3 }),
      entry("b", "10.0.0.2", { app: "catalog" }, { locality: "eu/west-1/rack-2", weight: 0 }),
      entry("c", "10.0.0.3", { app: "catalog" }, { locality: "us" }),
      entry("d", "10.0.0.4", { app: "catalog" }),
    );
    const { runtime } = endpointsOf(state, "catalog", 8080);
    assert.deepEqual(
      runtime.localities.map((l) => [l.locality, l.endpoints.map((e) => [e.host, e.weight])]),
      [
        [
          { region: "eu", zone: "west-1", subZone: "rack-2" },
          [
            ["10.0.0.1", 3],
            ["10.0.0.2", 1],
          ],
        ],
        [{ region: "us", zone: "", subZone: "" }, [["10.0.0.3", 1]]],
        [{ region: "", zone: "", subZone: "" }, [["10.0.0.4", 1]]],
      ],
    );
  });

  test(`an entry's health comes from its ${HEALTH_ANNOTATION} annotation; an unknown value is unhealthy`, () => {
    const marked = (name: string, address: string, health: string) =>
      changed(entry(name, address, { app: "catalog" }), (doc) => {
        doc.metadata.annotations = { [HEALTH_ANNOTATION]: health };
      });
    const state = stateOf(
      service("catalog"),
      entry("a", "10.0.0.1", { app: "catalog" }),
      marked("b", "10.0.0.2", "unhealthy"),
      marked("c", "10.0.0.3", "draining"),
      marked("d", "10.0.0.4", "sick"),
    );
    const { runtime } = endpointsOf(state, "catalog", 8080);
    assert.deepEqual(
      runtime.localities.flatMap((l) => l.endpoints.map((e) => e.health)),
      ["HEALTHY", "UNHEALTHY", "DRAINING", "UNHEALTHY"],
    );
  });

  test("an entry with a host name, or repeating another's address and port, is left out with an issue", () => {
    const state = stateOf(
      service("catalog"),
      entry("a", "10.0.0.1", { app: "catalog" }),
      entry("b", "db.example.com", { app: "catalog" }),
      entry("c", "10.0.0.1", { app: "catalog" }),
      entry("d", "::1", { app: "catalog" }),
      entry("e", "0:0::1", { app: "catalog" }),
    );
    const issues: CompileIssue[] = [];
    const { runtime } = endpointsOf(state, "catalog", 8080, issues);
    assert.deepEqual(
      runtime.localities.flatMap((l) => l.endpoints.map((e) => e.host)),
      ["10.0.0.1", "::1"],
    );
    assert.deepEqual(
      issues.map((i) => [i.kind, i.name, i.path]),
      [
        ["workloadentries", "b", "spec.address"],
        ["workloadentries", "c", "spec.address"],
        ["workloadentries", "e", "spec.address"],
      ],
    );
  });

  test(`an entry's ${PORT_ANNOTATION} annotation is the port of every Service port its spec.ports does not name`, () => {
    const annotated = (name: string, address: string, port: string, extra: Doc = {}) =>
      changed(entry(name, address, { app: "catalog" }, extra), (doc) => {
        doc.metadata.annotations = { [PORT_ANNOTATION]: port };
      });
    const state = stateOf(
      TWO_PORTS,
      annotated("a", "10.0.0.1", "15006"),
      annotated("b", "10.0.0.2", "15007", { ports: { grpc: 19090 } }),
      annotated("c", "10.0.0.3", "70000"),
      annotated("d", "10.0.0.4", "08080"),
    );
    const hostsOf = (port: number, issues: CompileIssue[] = []) =>
      endpointsOf(state, "catalog", port, issues).runtime.localities.flatMap((l) =>
        l.endpoints.map((e) => `${e.host}:${e.port}`),
      );
    const issues: CompileIssue[] = [];
    assert.deepEqual(hostsOf(8080, issues), ["10.0.0.1:15006", "10.0.0.2:15007", "10.0.0.3:8080", "10.0.0.4:8080"]);
    assert.deepEqual(hostsOf(9090), ["10.0.0.1:15006", "10.0.0.2:19090", "10.0.0.3:9090", "10.0.0.4:9090"]);
    assert.deepEqual(
      issues.map((i) => [i.name, i.path]),
      [
        ["c", `metadata.annotations["${PORT_ANNOTATION}"]`],
        ["d", `metadata.annotations["${PORT_ANNOTATION}"]`],
      ],
    );
  });
});
