import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildConfigSet, ConfigErrorCode as Code } from "../../../data-plane/src/config/index.js";
import { type KindTypeUrl, TypeUrl } from "../../../proto/index.js";
import { assignment, cluster, edsCluster, endpointJson, httpListener, listener, staticCluster } from "./fixtures.js";

describe("buildConfigSet", () => {
  it("builds every resource of a response, frozen and in order", () => {
    const result = buildConfigSet(TypeUrl.cluster, [
      { name: "backend", resource: cluster(staticCluster()) },
      { name: "svc", resource: cluster(edsCluster()) },
    ]);
    assert.ok(result.ok);
    assert.equal(result.set.typeUrl, TypeUrl.cluster);
    assert.deepEqual(
      result.set.resources.map((r) => r.name),
      ["backend", "svc"],
    );
    assert.ok(Object.isFrozen(result.set));
    assert.ok(Object.isFrozen(result.set.resources));
  });

  it("is all-or-nothing: one invalid resource yields only its error", () => {
    const result = buildConfigSet(TypeUrl.listener, [
      { name: "ingress", resource: listener(httpListener()) },
      {
        name: "bad",
        resource: listener({ ...httpListener(), name: "bad", address: { socket_address: { address: "0.0.0.0" } } }),
      },
    ]);
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.error.code, Code.invalidAddress);
    assert.equal(result.error.resourceName, "bad");
    assert.match(result.error.message, /^listener "bad": address\.socket_address\.port_value: /);
  });

  it("builds endpoints and route configurations", () => {
    const endpoints = buildConfigSet(TypeUrl.endpoint, [
      {
        name: "svc",
        resource: assignment({ cluster_name: "svc", endpoints: [{ lb_endpoints: [endpointJson("10.0.0.1", 80)] }] }),
      },
    ]);
    assert.ok(endpoints.ok);
    assert.equal(endpoints.set.typeUrl, TypeUrl.endpoint);
  });

  it("refuses a type URL the proxy does not consume", () => {
    // As a caller outside the type system could: a raw type_url.
    const typeUrl: string = "type.googleapis.com/envoy.config.core.v3.Node";
    const result = buildConfigSet(typeUrl as KindTypeUrl, []);
    assert.ok(!result.ok);
    assert.equal(result.error.code, Code.unsupportedResourceType);
    assert.match(result.error.message, /^response "type\.googleapis\.com\/envoy\.config\.core\.v3\.Node": type_url: /);
  });
});
