// GET /v1/ca: the certificate authority's public side (trust domain, source, root, fingerprint).
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { afterEach, describe, test } from "node:test";
import { loadMeshCa } from "../../../control-plane/src/ca/index.js";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { MemoryStore } from "../../../control-plane/src/store/index.js";
import { assertError, type Harness, harness } from "./harness.js";

let h: Harness;
afterEach(() => h.close());

describe("GET /v1/ca", () => {
  test("shows the trust domain, where the CA came from, the root and its SHA-256 fingerprint, and no key", async () => {
    const mesh = await loadMeshCa({ secrets: new MemoryStore(), trustDomain: "prod.example.com", now: Date.now() });
    h = await harness({ ca: mesh });
    const response = await h.inject({ method: "GET", url: "/v1/ca" });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as Record<string, string>;
    assert.equal(body.trustDomain, "prod.example.com");
    assert.equal(body.source, "generated");
    assert.equal(body.rootCertificate, mesh.ca.trustBundlePem());
    const root = new X509Certificate(body.rootCertificate ?? "");
    assert.equal(body.rootSha256, root.fingerprint256);
    assert.equal(
      body.rootSha256?.replaceAll(":", "").toLowerCase(),
      createHash("sha256").update(root.raw).digest("hex"),
    );
    assert.equal(body.notAfter, mesh.ca.notAfter.toISOString());
    assert.deepEqual(Object.keys(body).sort(), ["notAfter", "rootCertificate", "rootSha256", "source", "trustDomain"]);
    assert.ok(!response.body.includes("PRIVATE KEY"));
  });

  test("a control plane without a CA answers 404 WEFT_NOT_FOUND", async () => {
    h = await harness();
    assertError(await h.inject({ method: "GET", url: "/v1/ca" }), 404, ErrorCode.notFound);
  });
});
