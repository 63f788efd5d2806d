import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeResources } from "../../../data-plane/src/xds-client/decode-response.js";
import { XdsClientError, XdsClientErrorCode } from "../../../data-plane/src/xds-client/errors.js";
import { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import { packAny, TypeUrl } from "../../../proto/index.js";

const cluster = (name: string) => packAny("envoy.config.cluster.v3.Cluster", Cluster.fromPartial({ name }));
const assignment = (clusterName: string) =>
  packAny("envoy.config.endpoint.v3.ClusterLoadAssignment", ClusterLoadAssignment.fromPartial({ clusterName }));

const code = (expected: string) => (error: unknown) => error instanceof XdsClientError && error.code === expected;

describe("decoding a response's resources", () => {
  test("names a resource by name, or by cluster_name for endpoints", () => {
    assert.deepEqual(
      decodeResources(TypeUrl.cluster, [cluster("a"), cluster("b")]).map((r) => r.name),
      ["a", "b"],
    );
    assert.deepEqual(
      decodeResources(TypeUrl.endpoint, [assignment("a")]).map((r) => r.name),
      ["a"],
    );
  });

  test("refuses an Any whose type is not the response's type", () => {
    assert.throws(() => decodeResources(TypeUrl.listener, [cluster("a")]), code(XdsClientErrorCode.typeMismatch));
  });

  test("refuses the same name twice in one response, naming it", () => {
    assert.throws(
      () => decodeResources(TypeUrl.cluster, [cluster("a"), cluster("a")]),
      (error: unknown) =>
        code(XdsClientErrorCode.duplicateResource)(error) && (error as XdsClientError).resourceName === "a",
    );
  });

  test("refuses a resource without a name", () => {
    assert.throws(() => decodeResources(TypeUrl.cluster, [cluster("")]), code(XdsClientErrorCode.unnamedResource));
  });

  test("refuses bytes that do not decode", () => {
    const broken = { typeUrl: TypeUrl.cluster, value: new Uint8Array([0x0a, 0xff]) };
    assert.throws(() => decodeResources(TypeUrl.cluster, [broken]), code(XdsClientErrorCode.malformedResource));
  });
});
