// A resource's content version is the same whoever computes it: the control plane from the JSON
// it was given, a proxy from the bytes it received.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseResource } from "../../control-plane/src/resources/index.js";
import { contentVersion, decodeJson, packAny, TypeUrl, typeNameOf, unpackAnyAs } from "../../proto/index.js";

const cluster = {
  name: "svc",
  type: "EDS",
  connect_timeout: "2s",
  eds_cluster_config: { eds_config: { ads: {} } },
  typed_extension_protocol_options: {
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
      "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
      explicit_http_config: { http2_protocol_options: {} },
    },
  },
};

test("a message's content version is the control plane's version of the same resource, after a trip through the wire", () => {
  const typeName = typeNameOf(TypeUrl.cluster) ?? "";
  const received = unpackAnyAs<unknown>(packAny(typeName, decodeJson(typeName, cluster)), typeName);
  assert.equal(contentVersion(typeName, received), parseResource("clusters", cluster).version);
});

test("different content has a different version", () => {
  const typeName = typeNameOf(TypeUrl.cluster) ?? "";
  const other = decodeJson(typeName, { ...cluster, connect_timeout: "3s" });
  assert.notEqual(contentVersion(typeName, other), parseResource("clusters", cluster).version);
});
