// Mutual TLS compiled per mode: the inbound listener's chains (STRICT: mTLS only; PERMISSIVE: mTLS
// and plaintext; DISABLE: plaintext) and when a caller's cluster speaks mTLS to a Service (STRICT,
// or PERMISSIVE with every instance registered with a proven identity), checking its SPIFFE ID;
// accepted by both planes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  callsWithMtls,
  compileCluster,
  compileInbound,
  IDENTITY_ANNOTATION,
  type MeshSecurity,
} from "../../../../control-plane/src/mesh/compiler/index.js";
import type { RuntimeCluster, RuntimeListener } from "../../../../data-plane/src/config/index.js";
import { changed, service, workloadEntry } from "../mesh-documents.js";
import { assertBothPlanesAccept, stateOf } from "./both-planes.js";

const inboundOf = (mtls: "STRICT" | "PERMISSIVE" | "DISABLE") =>
  compileInbound({
    listen: { host: "127.0.0.1", port: 15006 },
    app: { host: "127.0.0.1", port: 3000 },
    protocol: "http",
    mtls,
  });

const proven = (name: string) =>
  changed(workloadEntry(name), (entry) => {
    entry.metadata.annotations = { [IDENTITY_ANNOTATION]: "catalog" };
  });

describe("mesh compiler: mutual TLS", () => {
  test("STRICT: the inbound listener takes mTLS only, presenting `default` and requiring a client certificate from `ROOTCA`", () => {
    const listener = assertBothPlanesAccept(inboundOf("STRICT").listener) as RuntimeListener;
    assert.equal(listener.transport?.plaintext, false);
    assert.equal(listener.transport?.tls.requireClientCertificate, true);
    assert.deepEqual(listener.transport?.tls.certificate, { sds: "default" });
    assert.deepEqual(listener.transport?.tls.validation, { sds: "ROOTCA" });
  });

  test("PERMISSIVE: an mTLS chain and a plaintext chain on one port; DISABLE: plaintext", () => {
    const permissive = assertBothPlanesAccept(inboundOf("PERMISSIVE").listener) as RuntimeListener;
    assert.equal(permissive.transport?.plaintext, true);
    assert.equal(permissive.transport?.tls.requireClientCertificate, true);
    const disabled = assertBothPlanesAccept(inboundOf("DISABLE").listener) as RuntimeListener;
    assert.equal(disabled.transport, undefined);
  });

  test("a caller's cluster speaks mTLS to a STRICT Service and checks the Service's SPIFFE ID", () => {
    const state = stateOf(service("catalog"), workloadEntry("catalog-1"));
    const security: MeshSecurity = { trustDomain: "example.org", mode: "STRICT" };
    const port = { name: "http", port: 8080 };
    const catalog = state.services.get("catalog");
    assert.ok(catalog !== undefined);
    const cluster = assertBothPlanesAccept(compileCluster(state, catalog, port, security)) as RuntimeCluster;
    assert.deepEqual(cluster.tls?.certificate, { sds: "default" });
    assert.equal(cluster.tls?.validation?.sds, "ROOTCA");
    const [matcher] = cluster.tls?.validation?.given?.sanMatchers ?? [];
    assert.equal(matcher?.type, "URI");
    assert.equal(matcher?.matches("spiffe://example.org/service/catalog"), true);
    assert.equal(matcher?.matches("spiffe://example.org/service/web"), false);
    const plain = assertBothPlanesAccept(compileCluster(state, catalog, port)) as RuntimeCluster;
    assert.equal(plain.tls, undefined, "a caller without a certificate talks plaintext");
  });

  test("PERMISSIVE: mTLS only to a Service whose every instance proved its identity; DISABLE: never", () => {
    const permissive: MeshSecurity = { trustDomain: "weft.local", mode: "PERMISSIVE" };
    assert.equal(callsWithMtls(permissive, stateOf(service("catalog")), "catalog"), false, "no instance");
    assert.equal(
      callsWithMtls(
        permissive,
        stateOf(service("catalog"), proven("catalog-1"), workloadEntry("catalog-2")),
        "catalog",
      ),
      false,
      "one instance without a proven identity",
    );
    assert.equal(
      callsWithMtls(permissive, stateOf(service("catalog"), proven("catalog-1"), proven("catalog-2")), "catalog"),
      true,
    );
    assert.equal(
      callsWithMtls(
        { trustDomain: "weft.local", mode: "DISABLE" },
        stateOf(service("catalog"), proven("c")),
        "catalog",
      ),
      false,
    );
  });

  test("a Service selecting another service's instances (catalog-v1) checks their owner's SPIFFE ID and takes its mode", () => {
    const v1 = service("catalog-v1", undefined, { app: "catalog", version: "v1" });
    const entry = changed(workloadEntry("catalog-1", { app: "catalog", version: "v1" }), (doc) => {
      doc.metadata.annotations = { [IDENTITY_ANNOTATION]: "catalog" };
    });
    const state = stateOf(service("catalog"), v1, entry);
    const security: MeshSecurity = { trustDomain: "weft.local", mode: "STRICT" };
    const document = state.services.get("catalog-v1");
    assert.ok(document !== undefined);
    const cluster = assertBothPlanesAccept(
      compileCluster(state, document, { name: "http", port: 8080 }, security),
    ) as RuntimeCluster;
    const matchers = cluster.tls?.validation?.given?.sanMatchers ?? [];
    assert.equal(matchers.length, 1);
    assert.equal(matchers[0]?.matches("spiffe://weft.local/service/catalog"), true);
    assert.equal(matchers[0]?.matches("spiffe://weft.local/service/catalog-v1"), false);
    const permissive: MeshSecurity = { trustDomain: "weft.local", mode: "PERMISSIVE" };
    assert.equal(callsWithMtls(permissive, state, "catalog-v1"), true, "every instance proven");
    const catalogDisabled = stateOf(service("catalog"), v1, entry, {
      apiVersion: "security.istio.io/v1",
      kind: "PeerAuthentication",
      metadata: { name: "catalog" },
      spec: { targetRefs: [{ kind: "Service", name: "catalog" }], mtls: { mode: "DISABLE" } },
    });
    assert.equal(
      callsWithMtls(permissive, catalogDisabled, "catalog-v1"),
      false,
      "the owner's DISABLE, not catalog-v1's",
    );
  });
});
