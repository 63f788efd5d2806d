// Responses are a shared body plus a per-stream nonce; the result must decode as one message.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeDeltaBody, encodeSotwBody, withNonce } from "../../../control-plane/src/xds/wire.js";
import { DeltaDiscoveryResponse, DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";

test("a shared body with a stream's nonce decodes as one response, for short, long and non-ASCII nonces", () => {
  for (const nonce of ["1", "12345", "x".repeat(127), "y".repeat(300), "ünï"]) {
    const sotw = DiscoveryResponse.decode(
      withNonce(encodeSotwBody({ version: "v1", entries: [], typeUrl: "t" }), nonce),
    );
    assert.deepEqual([sotw.nonce, sotw.versionInfo, sotw.typeUrl], [nonce, "v1", "t"]);
    const body = encodeDeltaBody({ systemVersion: "7", entries: [], typeUrl: "t", removed: ["gone"] });
    const delta = DeltaDiscoveryResponse.decode(withNonce(body, nonce));
    assert.deepEqual([delta.nonce, delta.systemVersionInfo, delta.removedResources], [nonce, "7", ["gone"]]);
  }
});
