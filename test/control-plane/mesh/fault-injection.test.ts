// FaultInjection (weft.dev/v1alpha1) and the ExtensionRef filter that routes use to name one: the
// kind's schema and checks with field paths, and the route kinds' references to it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DetailCode, ErrorCode, ValidationCode, WeftError } from "../../../control-plane/src/errors.js";
import { MESH_KINDS, type MeshKindName, parseMeshDocument } from "../../../control-plane/src/mesh/index.js";
import { FieldErrorCode } from "../../../proto/index.js";
import { assertError, harness, type Json, put } from "../api/harness.js";
import { changed, type Doc, grpcRoute, httpRoute, service } from "./mesh-documents.js";

function faultInjection(name = "flaky", spec: Doc = { abort: { httpStatus: 503, percentage: { value: 5 } } }): Doc {
  return { apiVersion: "weft.dev/v1alpha1", kind: "FaultInjection", metadata: { name }, spec };
}

const extensionRef = (name: string): Doc => ({
  type: "ExtensionRef",
  extensionRef: { group: "weft.dev", kind: "FaultInjection", name },
});

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

describe("FaultInjection", () => {
  test("is a mesh kind under weft.dev/v1alpha1, REST plural faultinjections", () => {
    const kind = MESH_KINDS.faultinjections;
    assert.equal(kind.apiVersion, "weft.dev/v1alpha1");
    assert.equal(kind.kind, "FaultInjection");
    assert.equal(parseMeshDocument("faultinjections", faultInjection()).name, "flaky");
  });

  test("a delay, an abort by HTTP or gRPC status, or both, with or without a percentage, are accepted", () => {
    for (const spec of [
      { delay: { fixedDelay: "2s", percentage: { value: 10 } } },
      { delay: { fixedDelay: "1.5s" } },
      { abort: { grpcStatus: "UNAVAILABLE", percentage: { value: 0.5 } } },
      { delay: { fixedDelay: "100ms" }, abort: { httpStatus: 500 } },
    ]) {
      parseMeshDocument("faultinjections", faultInjection("f", spec));
    }
  });

  test("a fault that neither delays nor aborts is refused at spec", () => {
    assert.deepEqual(refusal("faultinjections", faultInjection("f", {})), [["spec", ValidationCode.required]]);
  });

  test("an abort needs exactly one of httpStatus and grpcStatus", () => {
    assert.deepEqual(refusal("faultinjections", faultInjection("f", { abort: { percentage: { value: 1 } } })), [
      ["spec.abort", ValidationCode.required],
    ]);
    assert.deepEqual(
      refusal("faultinjections", faultInjection("f", { abort: { httpStatus: 503, grpcStatus: "UNAVAILABLE" } })),
      [["spec.abort.grpcStatus", ValidationCode.conflict]],
    );
  });

  test("bad values are refused at their field paths", () => {
    const codes = (spec: Doc) => refusal("faultinjections", faultInjection("f", spec));
    assert.deepEqual(codes({ abort: { httpStatus: 600 } }), [["spec.abort.httpStatus", FieldErrorCode.outOfRange]]);
    assert.deepEqual(codes({ abort: { grpcStatus: "SLOW" } }), [["spec.abort.grpcStatus", FieldErrorCode.badValue]]);
    assert.deepEqual(codes({ abort: { httpStatus: 503, percentage: { value: 101 } } }), [
      ["spec.abort.percentage.value", FieldErrorCode.outOfRange],
    ]);
    assert.deepEqual(codes({ delay: { fixedDelay: "soon" } }), [["spec.delay.fixedDelay", ValidationCode.badValue]]);
    assert.deepEqual(codes({ delay: { fixedDelay: "0s" } }), [["spec.delay.fixedDelay", ValidationCode.outOfRange]]);
    assert.deepEqual(codes({ delay: { fixedDelay: "1s", exponentialDelay: "1s" } }), [
      ["spec.delay.exponentialDelay", FieldErrorCode.unknownField],
    ]);
  });
});

describe("routes' ExtensionRef filter", () => {
  test("HTTPRoute and GRPCRoute rules take an ExtensionRef to a FaultInjection, and reference it", () => {
    const http = changed(httpRoute(), (d) => d.spec.rules[0].filters.push(extensionRef("flaky")));
    const grpc = changed(grpcRoute(), (d) => (d.spec.rules[0].filters = [extensionRef("slow")]));
    const refsOf = (kind: MeshKindName, doc: Doc) =>
      parseMeshDocument(kind, doc).references.filter((ref) => ref.kind === "faultinjections");
    assert.deepEqual(refsOf("httproutes", http), [
      { kind: "faultinjections", name: "flaky", path: "spec.rules[0].filters[2].extensionRef.name" },
    ]);
    assert.deepEqual(refsOf("grpcroutes", grpc), [
      { kind: "faultinjections", name: "slow", path: "spec.rules[0].filters[0].extensionRef.name" },
    ]);
  });

  test("an ExtensionRef to another group or kind, without its extensionRef, or a second one in a rule, is refused at its path", () => {
    const withFilter = (filter: Doc) => changed(httpRoute(), (d) => (d.spec.rules[0].filters = [filter]));
    const other = { type: "ExtensionRef", extensionRef: { group: "example.com", kind: "FaultInjection", name: "x" } };
    assert.deepEqual(refusal("httproutes", withFilter(other)), [
      ["spec.rules[0].filters[0].extensionRef.group", FieldErrorCode.badValue],
    ]);
    assert.deepEqual(refusal("httproutes", withFilter({ type: "ExtensionRef" })), [
      ["spec.rules[0].filters[0].extensionRef", ValidationCode.required],
    ]);
    const twice = changed(httpRoute(), (d) => d.spec.rules[0].filters.push(extensionRef("a"), extensionRef("b")));
    assert.deepEqual(refusal("httproutes", twice), [["spec.rules[0].filters[3].type", ValidationCode.duplicate]]);
  });
});

describe("FaultInjection through the REST API", () => {
  test("is written, read and listed under /v1/resources/faultinjections; a route naming a missing one is warned about, one a route names is not deleted", async () => {
    const h = await harness();
    try {
      const written = await put(h, "faultinjections", "flaky", faultInjection());
      assert.equal(written.statusCode, 200, written.body);
      const read = await h.inject({ method: "GET", url: "/v1/resources/faultinjections/flaky" });
      assert.deepEqual(read.json().resource, faultInjection());
      await put(h, "services", "catalog", service("catalog"));
      const route = changed(httpRoute("catalog", "catalog", [["catalog", 1]]), (d) => {
        d.spec.rules[0].filters.push(extensionRef("flaky"));
        d.spec.rules.push({ filters: [extensionRef("gone")], backendRefs: [{ name: "catalog", port: 8080 }] });
      });
      const response = await put(h, "httproutes", "catalog", route);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(
        response.json().warnings.map((w: Json) => [w.path, w.code]),
        [["spec.rules[1].filters[0].extensionRef.name", DetailCode.missingReference]],
      );
      assertError(
        await h.inject({ method: "DELETE", url: "/v1/resources/faultinjections/flaky" }),
        409,
        ErrorCode.referenced,
      );
    } finally {
      await h.close();
    }
  });
});
