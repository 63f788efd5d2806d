// The mesh kinds' schemas and checks: the honoured subset is accepted, anything else is refused
// with its field path and code, and references name Services.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrorCode, ValidationCode, WeftError } from "../../../control-plane/src/errors.js";
import {
  MESH_KINDS,
  type MeshKindName,
  meshKindOfDocument,
  parseMeshDocument,
} from "../../../control-plane/src/mesh/index.js";
import { FieldErrorCode } from "../../../proto/index.js";
import { changed, type Doc, destinationRule, grpcRoute, httpRoute, service, workloadEntry } from "./mesh-documents.js";

/** The [path, code] of every detail `parseMeshDocument` refuses `doc` with. */
function refusal(kind: MeshKindName, doc: unknown): [string, string | undefined][] {
  try {
    parseMeshDocument(kind, doc);
  } catch (error) {
    assert.ok(error instanceof WeftError);
    assert.equal(error.code, ErrorCode.invalidResource);
    return error.details.map((d) => [d.path, d.code]);
  }
  assert.fail("the document was accepted");
}

const GOOD: [MeshKindName, Doc][] = [
  [
    "services",
    service("catalog", [
      { name: "http", port: 8080, appProtocol: "http" },
      { name: "grpc", port: 9090, appProtocol: "kubernetes.io/h2c" },
    ]),
  ],
  ["workloadentries", workloadEntry("catalog-1")],
  ["httproutes", httpRoute()],
  ["grpcroutes", grpcRoute()],
  ["destinationrules", destinationRule()],
];

describe("mesh kinds", () => {
  test("each kind is found by its plural and by its document's apiVersion and kind", () => {
    for (const [plural, doc] of GOOD) {
      assert.equal(MESH_KINDS[plural].plural, plural);
      assert.equal(meshKindOfDocument(String(doc.apiVersion), String(doc.kind))?.plural, plural);
    }
    assert.equal(meshKindOfDocument("v2", "Service"), undefined);
  });

  test("a good document of each kind is accepted, named by metadata.name, and stored as canonical JSON", () => {
    for (const [kind, doc] of GOOD) {
      const parsed = parseMeshDocument(kind, doc);
      assert.equal(parsed.name, (doc.metadata as Doc).name);
      assert.deepEqual(JSON.parse(parsed.json), doc);
      assert.match(parsed.version, /^[0-9a-f]{24}$/);
    }
  });

  test("key order does not change the stored text or the version", () => {
    const doc = service("catalog");
    const reordered = {
      spec: { ports: [{ port: 8080, name: "http" }], selector: { app: "catalog" } },
      metadata: { name: "catalog" },
      kind: "Service",
      apiVersion: "v1",
    };
    const a = parseMeshDocument("services", doc);
    const b = parseMeshDocument("services", reordered);
    assert.equal(a.json, b.json);
    assert.equal(a.version, b.version);
    assert.ok(a.json.startsWith('{"apiVersion":"v1","kind":"Service","metadata"'));
  });

  test("labels, annotations and other metadata are kept as given", () => {
    const doc = changed(service("catalog"), (d) => {
      d.metadata.annotations = { note: "x" };
      d.metadata.uid = "abc";
    });
    assert.deepEqual(JSON.parse(parseMeshDocument("services", doc).json).metadata, {
      name: "catalog",
      annotations: { note: "x" },
      uid: "abc",
    });
  });

  test("an unknown field is refused at its path, at every level", () => {
    assert.deepEqual(
      refusal(
        "services",
        changed(service("a"), (d) => (d.spec.type = "ClusterIP")),
      ),
      [["spec.type", FieldErrorCode.unknownField]],
    );
    assert.deepEqual(
      refusal(
        "services",
        changed(service("a"), (d) => (d.spec.ports[0].targetPort = 80)),
      ),
      [["spec.ports[0].targetPort", FieldErrorCode.unknownField]],
    );
    assert.deepEqual(
      refusal(
        "services",
        changed(service("a"), (d) => (d.status = {})),
      ),
      [["status", FieldErrorCode.unknownField]],
    );
    assert.deepEqual(
      refusal(
        "httproutes",
        changed(httpRoute(), (d) => (d.spec.hostnames = ["a"])),
      ),
      [["spec.hostnames", FieldErrorCode.unknownField]],
    );
    assert.deepEqual(
      refusal(
        "httproutes",
        changed(httpRoute(), (d) => (d.spec.rules[0].backendRefs[1].filters = [])),
      ),
      [["spec.rules[0].backendRefs[1].filters", FieldErrorCode.unknownField]],
    );
    assert.deepEqual(
      refusal(
        "destinationrules",
        changed(destinationRule(), (d) => (d.spec.subsets = [])),
      ),
      [["spec.subsets", FieldErrorCode.unknownField]],
    );
  });

  test("a wrong type, a missing field and a value outside its list are refused with their codes", () => {
    assert.deepEqual(
      refusal(
        "services",
        changed(service("a"), (d) => (d.spec.ports[0].port = "80")),
      ),
      [["spec.ports[0].port", FieldErrorCode.wrongType]],
    );
    assert.deepEqual(
      refusal(
        "services",
        changed(service("a"), (d) => delete d.spec.ports[0].port),
      ),
      [["spec.ports[0].port", ValidationCode.required]],
    );
    assert.deepEqual(
      refusal(
        "services",
        changed(service("a"), (d) => (d.spec.ports[0].appProtocol = "udp")),
      ),
      [["spec.ports[0].appProtocol", FieldErrorCode.badValue]],
    );
    assert.deepEqual(
      refusal(
        "services",
        changed(service("a"), (d) => (d.apiVersion = "v2")),
      ),
      [["apiVersion", FieldErrorCode.badValue]],
    );
    assert.deepEqual(
      refusal(
        "services",
        changed(service("a"), (d) => (d.spec.ports = [])),
      ),
      [["spec.ports", ValidationCode.empty]],
    );
    assert.deepEqual(
      refusal(
        "httproutes",
        changed(httpRoute(), (d) => (d.spec.parentRefs[0].kind = "Gateway")),
      ),
      [["spec.parentRefs[0].kind", FieldErrorCode.badValue]],
    );
  });

  test("ports out of range, duplicate port names and numbers, and unnamed ports among several are refused", () => {
    assert.deepEqual(
      refusal(
        "services",
        changed(service("a"), (d) => (d.spec.ports[0].port = 65536)),
      ),
      [["spec.ports[0].port", FieldErrorCode.outOfRange]],
    );
    assert.deepEqual(
      refusal("services", service("a", [{ name: "http", port: 80 }, { name: "http", port: 80 }, { port: 81 }])),
      [
        ["spec.ports[2].name", ValidationCode.required],
        ["spec.ports[1].name", ValidationCode.duplicate],
        ["spec.ports[1].port", ValidationCode.duplicate],
      ],
    );
  });

  test("metadata.name must be a DNS-1123 label and the namespace absent or default", () => {
    assert.deepEqual(refusal("services", service("Catalog_1")), [["metadata.name", ValidationCode.badValue]]);
    assert.deepEqual(
      refusal(
        "services",
        changed(service("a"), (d) => (d.metadata.namespace = "shop")),
      ),
      [["metadata.namespace", ValidationCode.unsupported]],
    );
    assert.equal(
      parseMeshDocument(
        "services",
        changed(service("a"), (d) => (d.metadata.namespace = "default")),
      ).name,
      "a",
    );
    assert.deepEqual(refusal("services", service("a", undefined, { "bad key!": "x" })), [
      ['spec.selector["bad key!"]', ValidationCode.badValue],
    ]);
  });

  test("a rule whose backends' weights are all 0 is refused; a negative weight too", () => {
    assert.deepEqual(
      refusal(
        "httproutes",
        httpRoute("c", "c", [
          ["a", 0],
          ["b", 0],
        ]),
      ),
      [["spec.rules[0].backendRefs", ValidationCode.outOfRange]],
    );
    assert.deepEqual(
      refusal(
        "httproutes",
        httpRoute("c", "c", [
          ["a", -1],
          ["b", 1],
        ]),
      ),
      [["spec.rules[0].backendRefs[0].weight", FieldErrorCode.outOfRange]],
    );
    assert.equal(
      parseMeshDocument(
        "httproutes",
        httpRoute("c", "c", [
          ["a", 0],
          ["b", 1],
        ]),
      ).name,
      "c",
    );
  });

  test("regular expressions must compile under RE2 rules, paths start with /, durations follow Gateway API's format", () => {
    const doc = changed(httpRoute(), (d) => {
      d.spec.rules[0].matches[0].headers[0].value = "(?=x)";
      d.spec.rules[0].matches[0].path = { type: "Exact", value: "items" };
      d.spec.rules[0].timeouts = { request: "1.5s", backendRequest: "2s" };
      d.spec.rules[0].retry.backoff = "1d";
      d.spec.rules[0].filters = [];
    });
    assert.deepEqual(refusal("httproutes", doc), [
      ["spec.rules[0].matches[0].path.value", ValidationCode.badPath],
      ["spec.rules[0].matches[0].headers[0].value", ValidationCode.badRegex],
      ["spec.rules[0].timeouts.request", ValidationCode.badValue],
      ["spec.rules[0].retry.backoff", ValidationCode.badValue],
    ]);
    const longer = changed(httpRoute(), (d) => (d.spec.rules[0].timeouts = { request: "1s", backendRequest: "2s" }));
    assert.deepEqual(refusal("httproutes", longer), [
      ["spec.rules[0].timeouts.backendRequest", ValidationCode.outOfRange],
    ]);
  });

  test("a filter carries the field its type names and no other; redirect and rewrite exclude each other", () => {
    const doc = changed(httpRoute(), (d) => {
      d.spec.rules[0].filters = [
        { type: "RequestHeaderModifier", responseHeaderModifier: { remove: ["a"] } },
        { type: "RequestRedirect", requestRedirect: { statusCode: 301 } },
        { type: "URLRewrite", urlRewrite: { hostname: "x" } },
      ];
    });
    assert.deepEqual(refusal("httproutes", doc), [
      ["spec.rules[0].filters[0].requestHeaderModifier", ValidationCode.required],
      ["spec.rules[0].filters[0].responseHeaderModifier", ValidationCode.conflict],
      ["spec.rules[0].filters", ValidationCode.conflict],
      ["spec.rules[0].backendRefs", ValidationCode.conflict],
    ]);
  });

  test("a GRPCRoute method match names a service or a method in gRPC's syntax", () => {
    const doc = changed(grpcRoute(), (d) => {
      d.spec.rules[0].matches = [
        { method: {} },
        { method: { service: "shop/Pricing" } },
        { method: { type: "RegularExpression", method: "(" } },
      ];
    });
    assert.deepEqual(refusal("grpcroutes", doc), [
      ["spec.rules[0].matches[0].method", ValidationCode.required],
      ["spec.rules[0].matches[1].method.service", ValidationCode.badValue],
      ["spec.rules[0].matches[2].method.method", ValidationCode.badRegex],
    ]);
  });

  test("a DestinationRule balances one way, hashes on one key, and takes Istio durations", () => {
    const doc = changed(destinationRule(), (d) => {
      d.spec.trafficPolicy.loadBalancer = {
        simple: "RANDOM",
        consistentHash: { httpHeaderName: "x", useSourceIp: true },
      };
      d.spec.trafficPolicy.outlierDetection.interval = "0s";
      d.spec.trafficPolicy.connectionPool.tcp.connectTimeout = "soon";
    });
    assert.deepEqual(refusal("destinationrules", doc), [
      ["spec.trafficPolicy.loadBalancer.consistentHash", ValidationCode.conflict],
      ["spec.trafficPolicy.loadBalancer.consistentHash.useSourceIp", ValidationCode.conflict],
      ["spec.trafficPolicy.connectionPool.tcp.connectTimeout", ValidationCode.badValue],
      ["spec.trafficPolicy.outlierDetection.interval", ValidationCode.outOfRange],
    ]);
    assert.deepEqual(
      refusal(
        "destinationrules",
        changed(destinationRule(), (d) => (d.spec.trafficPolicy.loadBalancer = { simple: "LEAST_CONN" })),
      ),
      [["spec.trafficPolicy.loadBalancer.simple", FieldErrorCode.badValue]],
    );
  });

  test("a WorkloadEntry's address is an IP or a host name, its weight not negative", () => {
    const doc = changed(workloadEntry("w"), (d) => {
      d.spec.address = "not an address";
    });
    assert.deepEqual(refusal("workloadentries", doc), [["spec.address", ValidationCode.badAddress]]);
    assert.deepEqual(
      refusal(
        "workloadentries",
        changed(workloadEntry("w"), (d) => (d.spec.weight = -1)),
      ),
      [["spec.weight", FieldErrorCode.outOfRange]],
    );
    assert.equal(
      parseMeshDocument(
        "workloadentries",
        changed(workloadEntry("w"), (d) => (d.spec.address = "db.internal")),
      ).name,
      "w",
    );
  });

  test("routes reference their parent, backend and mirror Services; a DestinationRule its host", () => {
    const route = changed(httpRoute(), (d) => {
      d.spec.rules[0].filters = [
        { type: "RequestMirror", requestMirror: { backendRef: { name: "shadow", port: 80 } } },
      ];
    });
    assert.deepEqual(parseMeshDocument("httproutes", route).references, [
      { kind: "services", name: "catalog", path: "spec.parentRefs[0].name" },
      { kind: "services", name: "catalog-v1", path: "spec.rules[0].backendRefs[0].name" },
      { kind: "services", name: "catalog-v2", path: "spec.rules[0].backendRefs[1].name" },
      { kind: "services", name: "shadow", path: "spec.rules[0].filters[0].requestMirror.backendRef.name" },
    ]);
    assert.deepEqual(parseMeshDocument("destinationrules", destinationRule("r", "catalog")).references, [
      { kind: "services", name: "catalog", path: "spec.host" },
    ]);
    assert.deepEqual(parseMeshDocument("services", service("a")).references, []);
  });

  test("the name in the URL fills metadata.name or must equal it; a document of another kind is a kind mismatch", () => {
    const unnamed = changed(service("a"), (d) => delete d.metadata.name);
    assert.equal(parseMeshDocument("services", unnamed, { name: "b" }).name, "b");
    assert.throws(() => parseMeshDocument("services", service("a"), { name: "b" }), { code: ErrorCode.nameMismatch });
    assert.throws(() => parseMeshDocument("services", httpRoute()), { code: ErrorCode.kindMismatch });
  });

  test("paths carry the given prefix, as an apply item's problems do", () => {
    try {
      parseMeshDocument(
        "services",
        changed(service("a"), (d) => (d.spec.ports[0].port = 0)),
        { path: "documents[2]" },
      );
      assert.fail("accepted");
    } catch (error) {
      assert.ok(error instanceof WeftError);
      assert.deepEqual(
        error.details.map((d) => d.path),
        ["documents[2].spec.ports[0].port"],
      );
    }
  });
});
