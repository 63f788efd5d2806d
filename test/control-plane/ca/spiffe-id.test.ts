// Workload identities: what spiffeIdOf writes, parseSpiffeId reads back, and nothing else.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseSpiffeId, spiffeIdOf } from "../../../control-plane/src/ca/index.js";
import { ErrorCode } from "../../../control-plane/src/errors.js";

function throwsAt(fn: () => unknown, path: string): void {
  assert.throws(fn, (error: { code?: string; details?: { path: string }[] }) => {
    assert.equal(error.code, ErrorCode.invalidIdentity);
    assert.deepEqual(
      error.details?.map((detail) => detail.path),
      [path],
    );
    return true;
  });
}

describe("spiffeIdOf", () => {
  test("writes spiffe://TRUST_DOMAIN/service/NAME", () => {
    assert.equal(spiffeIdOf("weft.local", "web"), "spiffe://weft.local/service/web");
    assert.equal(
      spiffeIdOf("prod.mesh.example.com", "catalog-v2"),
      "spiffe://prod.mesh.example.com/service/catalog-v2",
    );
  });

  test("refuses a trust domain that is not a lower-case DNS name, naming trustDomain", () => {
    for (const trustDomain of [
      "",
      "Weft.local",
      "weft..local",
      "-weft.local",
      "weft_local",
      "weft.local/x",
      "a".repeat(64),
    ]) {
      throwsAt(() => spiffeIdOf(trustDomain, "web"), "trustDomain");
    }
  });

  test("refuses a service that is not a DNS-1123 label, naming service", () => {
    for (const service of ["", "Web", "web.mesh", "web/x", "-web", "web-", "a".repeat(64), "wéb"]) {
      throwsAt(() => spiffeIdOf("weft.local", service), "service");
    }
  });
});

describe("parseSpiffeId", () => {
  test("reads back the trust domain and service of what spiffeIdOf writes", () => {
    assert.deepEqual(parseSpiffeId(spiffeIdOf("weft.local", "web")), { trustDomain: "weft.local", service: "web" });
  });

  test("refuses every other shape, naming uri", () => {
    for (const uri of [
      "https://weft.local/service/web",
      "spiffe://weft.local/ns/default/sa/web",
      "spiffe://weft.local/service/web/",
      "spiffe://weft.local/service/web?x=1",
      "spiffe://weft.local:443/service/web",
      "spiffe://user@weft.local/service/web",
      "spiffe://WEFT.local/service/web",
      "spiffe://weft.local/service/",
      "spiffe:///service/web",
      "SPIFFE://weft.local/service/web",
    ]) {
      throwsAt(() => parseSpiffeId(uri), "uri");
    }
  });
});
