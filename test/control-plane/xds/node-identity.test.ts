// The TLS port's identity check as a table (xds/node-identity.ts): which nodes a workload
// certificate may claim, read as the compiler reads a sidecar's service.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { checkNodeIdentity, serviceOfIdentity } from "../../../control-plane/src/xds/node-identity.js";

const TD = "weft.local";
const WEB = "spiffe://weft.local/service/web";

function sidecar(id: string, service: string, cluster = service) {
  return { id, cluster, metadata: { weft: { role: "sidecar", service } } };
}

describe("checkNodeIdentity", () => {
  test("a sidecar of the certificate's service is admitted, with or without a cluster", () => {
    assert.equal(checkNodeIdentity(sidecar("web-1", "web"), WEB, TD), undefined);
    assert.equal(checkNodeIdentity(sidecar("web-2", "web", ""), WEB, TD), undefined);
  });

  test("a sidecar of another service is refused, naming the service it claimed", () => {
    const refused = checkNodeIdentity(sidecar("catalog-1", "catalog"), WEB, TD);
    assert.equal(refused?.code, ErrorCode.identityMismatch);
    assert.equal(refused?.claimedService, "catalog");
  });

  test("a sidecar of its own service claiming another cluster is refused", () => {
    assert.equal(checkNodeIdentity(sidecar("web-3", "web", "front"), WEB, TD)?.code, ErrorCode.identityMismatch);
  });

  test("any other node must name the certificate's service as its cluster", () => {
    assert.equal(checkNodeIdentity({ id: "edge", cluster: "web", metadata: {} }, WEB, TD), undefined);
    assert.equal(
      checkNodeIdentity({ id: "edge", cluster: "", metadata: {} }, WEB, TD)?.code,
      ErrorCode.identityMismatch,
    );
    // Not a well-formed sidecar (no service): read as any other node, so its cluster decides.
    const half = { id: "half", cluster: "catalog", metadata: { weft: { role: "sidecar" } } };
    assert.equal(checkNodeIdentity(half, WEB, TD)?.claimedService, "catalog");
  });

  test("a certificate that is not a workload identity of this trust domain claims nothing", () => {
    for (const id of [
      "spiffe://other.domain/service/web",
      "spiffe://weft.local/control-plane",
      "spiffe://weft.local/service/web/extra",
      undefined,
    ]) {
      assert.equal(checkNodeIdentity(sidecar("web-1", "web"), id, TD)?.code, ErrorCode.identityMismatch, String(id));
    }
  });
});

describe("serviceOfIdentity", () => {
  test("reads the service of this trust domain's workload IDs only", () => {
    assert.equal(serviceOfIdentity(WEB, TD), "web");
    assert.equal(serviceOfIdentity(WEB, "other.domain"), undefined);
    assert.equal(serviceOfIdentity("not a uri", TD), undefined);
  });
});
