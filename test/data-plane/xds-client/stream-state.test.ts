import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StreamState } from "../../../data-plane/src/xds-client/stream-state.js";
import { TypeState } from "../../../data-plane/src/xds-client/type-state.js";
import { Node } from "../../../proto/gen/envoy/config/core/v3/base.js";
import { TypeUrl } from "../../../proto/index.js";

const node = Node.fromPartial({ id: "proxy-1", cluster: "edge", userAgentName: "weft" });
const accept = () => undefined;
const listeners = () => new TypeState({ typeUrl: TypeUrl.listener, wildcard: true, handler: accept });
const routes = () => new TypeState({ typeUrl: TypeUrl.route, wildcard: false, handler: accept });

describe("one stream's requests", () => {
  test("only the first request of a stream carries the node", () => {
    const stream = new StreamState("127.0.0.1:1", node);
    const lds = listeners();
    assert.deepEqual(stream.request(lds).node, node);
    assert.equal(stream.request(lds).node, undefined);
    assert.equal(stream.request(routes()).node, undefined);
    assert.deepEqual(new StreamState("127.0.0.1:1", node).request(lds).node, node, "again on a new stream");
  });

  test("a wildcard type asks for *, a named type for its sorted names", () => {
    const stream = new StreamState("127.0.0.1:1", node);
    const rds = routes();
    rds.setNames(["r2", "r1", "r2"]);
    assert.deepEqual(stream.request(listeners()).resourceNames, ["*"]);
    assert.deepEqual(stream.request(rds).resourceNames, ["r1", "r2"]);
  });

  test("nonces are per type and per stream; versions survive the stream", () => {
    const lds = listeners();
    const rds = routes();
    const first = new StreamState("127.0.0.1:1", node);
    first.received(TypeUrl.listener, "n1");
    lds.acceptedVersion = "v1";
    assert.equal(first.request(lds).responseNonce, "n1");
    assert.equal(first.request(rds).responseNonce, "", "another type's nonce is not borrowed");
    const second = new StreamState("127.0.0.1:1", node);
    const resent = second.request(lds);
    assert.equal(resent.responseNonce, "", "a new stream starts with an empty nonce");
    assert.equal(resent.versionInfo, "v1", "and the last accepted version");
  });

  test("a NACK carries the error and the last accepted version, not the rejected one", () => {
    const stream = new StreamState("127.0.0.1:1", node);
    const lds = listeners();
    lds.acceptedVersion = "v1";
    stream.received(TypeUrl.listener, "n2");
    const nack = stream.request(lds, { code: 3, message: "no", details: [] });
    assert.equal(nack.versionInfo, "v1");
    assert.equal(nack.responseNonce, "n2");
    assert.equal(nack.errorDetail?.code, 3);
  });

  test("a named type with no names wants no request, since an empty first list would be a wildcard", () => {
    const rds = routes();
    assert.equal(rds.wantsRequest, false);
    assert.equal(rds.setNames(["r1"]), true);
    assert.equal(rds.wantsRequest, true);
    assert.equal(rds.setNames(["r1"]), false, "unchanged names are not a change");
    assert.equal(listeners().wantsRequest, true);
  });
});
