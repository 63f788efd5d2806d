// Delta requests as one stream builds them, and applying a delta response to what a type holds.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyDelta } from "../../../data-plane/src/xds-client/apply-delta.js";
import { DeltaStreamState } from "../../../data-plane/src/xds-client/delta-stream-state.js";
import { XdsClientError, XdsClientErrorCode } from "../../../data-plane/src/xds-client/errors.js";
import { TypeState } from "../../../data-plane/src/xds-client/type-state.js";
import { Node } from "../../../proto/gen/envoy/config/core/v3/base.js";
import { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import type { DeltaDiscoveryResponse, Resource } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { packAny, TypeUrl, typeNameOf } from "../../../proto/index.js";

const node = Node.fromPartial({ id: "proxy-1", cluster: "edge", userAgentName: "weft" });
const accept = () => undefined;
const listeners = () => new TypeState({ typeUrl: TypeUrl.listener, wildcard: true, handler: accept });
const routes = () => new TypeState({ typeUrl: TypeUrl.route, wildcard: false, handler: accept });

const route = (name: string, version: string): Resource => ({
  name,
  version,
  aliases: [],
  resource: packAny(typeNameOf(TypeUrl.route) ?? "", RouteConfiguration.fromPartial({ name })),
});
const response = (resources: Resource[], removedResources: string[] = []): DeltaDiscoveryResponse => ({
  systemVersionInfo: "7",
  resources,
  typeUrl: TypeUrl.route,
  removedResources,
  nonce: "n1",
});

describe("one delta stream's requests", () => {
  test("the first request per type subscribes * or the names, with the versions held; the node goes once", () => {
    const stream = new DeltaStreamState("127.0.0.1:1", node);
    const lds = listeners();
    const first = stream.subscription(lds);
    assert.deepEqual(first?.node, node);
    assert.deepEqual(first?.resourceNamesSubscribe, ["*"]);
    assert.equal(first?.responseNonce, "");
    assert.equal(stream.subscription(lds), undefined, "nothing changed, nothing to send");

    const rds = routes();
    assert.equal(stream.subscription(rds), undefined, "no names: an empty first request would be the legacy wildcard");
    rds.setNames(["r1", "r2"]);
    rds.accept(applyDelta(rds, response([route("r1", "v1"), route("r2", "v2")])).next);
    const reconnect = new DeltaStreamState("127.0.0.1:1", node).subscription(rds);
    assert.deepEqual(reconnect?.resourceNamesSubscribe, ["r1", "r2"]);
    assert.deepEqual(reconnect?.initialResourceVersions, { r1: "v1", r2: "v2" });
    assert.deepEqual(reconnect?.node, node);
  });

  test("later name changes send only what changed, and an unsubscribed name is dropped from what is held", () => {
    const stream = new DeltaStreamState("127.0.0.1:1", node);
    const rds = routes();
    rds.setNames(["r1", "r2"]);
    stream.subscription(rds);
    rds.accept(applyDelta(rds, response([route("r1", "v1"), route("r2", "v2")])).next);
    rds.setNames(["r2", "r3"]);
    const change = stream.subscription(rds);
    assert.deepEqual(change?.resourceNamesSubscribe, ["r3"]);
    assert.deepEqual(change?.resourceNamesUnsubscribe, ["r1"]);
    assert.deepEqual(change?.initialResourceVersions, {});
    assert.equal(change?.node, undefined);
    assert.deepEqual([...rds.held.keys()], ["r2"]);
    rds.setNames([]);
    assert.deepEqual(stream.subscription(rds)?.resourceNamesUnsubscribe, ["r2", "r3"]);
  });

  test("an ACK is the nonce alone; a NACK adds error_detail", () => {
    const stream = new DeltaStreamState("127.0.0.1:1", node);
    stream.subscription(listeners());
    const ack = stream.reply(TypeUrl.listener, "n1");
    assert.equal(ack.responseNonce, "n1");
    assert.deepEqual([ack.resourceNamesSubscribe, ack.resourceNamesUnsubscribe], [[], []]);
    assert.equal(ack.errorDetail, undefined);
    const nack = stream.reply(TypeUrl.listener, "n2", { code: 3, message: "bad", details: [] });
    assert.equal(nack.errorDetail?.message, "bad");
  });
});

describe("applying a delta response", () => {
  test("adds and replaces the resources sent, removes those listed, and leaves the type's state alone", () => {
    const rds = routes();
    rds.setNames(["r1", "r2", "r3"]);
    rds.accept(applyDelta(rds, response([route("r1", "v1"), route("r2", "v1")])).next);
    const result = applyDelta(rds, response([route("r2", "v2"), route("r3", "v1")], ["r1", "gone"]));
    assert.deepEqual(result.updated, ["r2", "r3"]);
    assert.deepEqual(result.removed, ["r1"], "a removal of an unknown name is ignored");
    assert.deepEqual(
      [...result.next].map(([name, held]) => `${name}@${held.version}`),
      ["r2@v2", "r3@v1"],
    );
    assert.deepEqual([...rds.held.keys()], ["r1", "r2"], "held changes only on accept");
  });

  test("ignores a resource of a named type that was not asked for", () => {
    const rds = routes();
    rds.setNames(["r1"]);
    const result = applyDelta(rds, response([route("r1", "v1"), route("other", "v1")]));
    assert.deepEqual([...result.next.keys()], ["r1"]);
  });

  test("rejects a Resource without a body or named unlike its message", () => {
    const rds = routes();
    rds.setNames(["r1"]);
    const isMalformed = (error: unknown) =>
      error instanceof XdsClientError && error.code === XdsClientErrorCode.malformedResource;
    assert.throws(() => applyDelta(rds, response([{ ...route("r1", "v1"), resource: undefined }])), isMalformed);
    assert.throws(() => applyDelta(rds, response([{ ...route("r1", "v1"), name: "r9" }])), isMalformed);
  });
});
