import assert from "node:assert/strict";
import { test } from "node:test";
import { STATUS_CLASSES, statusClassIndex, xdsTypeName } from "../../../data-plane/src/metrics/index.js";

test("the four subscribed type URLs have short names, others their lower-cased message name", () => {
  assert.equal(xdsTypeName("type.googleapis.com/envoy.config.listener.v3.Listener"), "listener");
  assert.equal(xdsTypeName("type.googleapis.com/envoy.config.route.v3.RouteConfiguration"), "route");
  assert.equal(xdsTypeName("type.googleapis.com/envoy.config.cluster.v3.Cluster"), "cluster");
  assert.equal(xdsTypeName("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"), "endpoint");
  assert.equal(xdsTypeName("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"), "secret");
});

test("statuses map to their class, 0 to reset, strays to the nearest class", () => {
  const classOf = (status: number) => STATUS_CLASSES[statusClassIndex(status)];
  assert.equal(classOf(0), "reset");
  assert.equal(classOf(101), "1xx");
  assert.equal(classOf(299), "2xx");
  assert.equal(classOf(302), "3xx");
  assert.equal(classOf(429), "4xx");
  assert.equal(classOf(504), "5xx");
  assert.equal(classOf(42), "1xx");
  assert.equal(classOf(999), "5xx");
});
