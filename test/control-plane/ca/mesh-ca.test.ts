// Which CA the control plane signs with: a root generated once and kept in the store (the same
// after a restart, one root when replicas start together), an operator's CA from files (never
// copied into the store), and the stored roots that are refused.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CA_SECRET_KEY, generateKeyAndCsr, loadMeshCa, rootFingerprint } from "../../../control-plane/src/ca/index.js";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { MemoryStore } from "../../../control-plane/src/store/index.js";
import { makeOperatorPki } from "./operator-pki.js";
import { rejectsWith } from "./refusals.js";

const NOW = Date.parse("2026-12-01T00:00:00Z");
const TRUST_DOMAIN = "weft.local";

describe("the mesh CA at start", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "weft-mesh-ca-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("the first start generates a root and keeps it; the next start signs with the same root", async () => {
    const store = new MemoryStore();
    const first = await loadMeshCa({ secrets: store, trustDomain: TRUST_DOMAIN, now: NOW });
    assert.equal(first.source, "generated");
    assert.ok(await store.secret(CA_SECRET_KEY), "kept in the store");
    const second = await loadMeshCa({ secrets: store, trustDomain: TRUST_DOMAIN, now: NOW + 60_000 });
    assert.equal(second.source, "stored");
    assert.equal(second.ca.trustBundlePem(), first.ca.trustBundlePem());
    assert.equal(rootFingerprint(second.ca), rootFingerprint(first.ca));
    assert.match(rootFingerprint(first.ca), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const { csrPem } = await generateKeyAndCsr();
    const issued = await second.ca.sign({ csrPem, service: "web", now: NOW + 60_000 });
    assert.equal(issued.spiffeId, "spiffe://weft.local/service/web");
    assert.ok(issued.chainPem.includes(issued.certPem));
    // Nothing configuration-like was written.
    assert.equal((await store.current()).revision, 0);
  });

  test("replicas starting together on one store end with one root between them", async () => {
    const store = new MemoryStore();
    const loaded = await Promise.all(
      [1, 2, 3].map(() => loadMeshCa({ secrets: store, trustDomain: TRUST_DOMAIN, now: NOW })),
    );
    assert.equal(loaded.filter((l) => l.source === "generated").length, 1);
    assert.equal(new Set(loaded.map((l) => rootFingerprint(l.ca))).size, 1);
  });

  test("a root kept for another trust domain is refused, naming --trust-domain, and stays as it was", async () => {
    const store = new MemoryStore();
    await loadMeshCa({ secrets: store, trustDomain: TRUST_DOMAIN, now: NOW });
    const kept = await store.secret(CA_SECRET_KEY);
    await rejectsWith(
      () => loadMeshCa({ secrets: store, trustDomain: "prod.example.com", now: NOW }),
      ErrorCode.caInvalid,
      "--trust-domain",
    );
    assert.equal(await store.secret(CA_SECRET_KEY), kept);
  });

  test("a damaged stored root is refused, not replaced", async () => {
    for (const damaged of ["not json", JSON.stringify({ version: 1, trustDomain: TRUST_DOMAIN }), "{}"]) {
      const store = new MemoryStore();
      await store.putSecret(CA_SECRET_KEY, damaged);
      await rejectsWith(
        () => loadMeshCa({ secrets: store, trustDomain: TRUST_DOMAIN, now: NOW }),
        ErrorCode.caInvalid,
        CA_SECRET_KEY,
      );
      assert.equal(await store.secret(CA_SECRET_KEY), damaged);
    }
  });

  test("a stored root past its expiry is refused", async () => {
    const store = new MemoryStore();
    await loadMeshCa({ secrets: store, trustDomain: TRUST_DOMAIN, now: NOW });
    const elevenYears = 11 * 365 * 24 * 60 * 60 * 1000;
    await rejectsWith(
      () => loadMeshCa({ secrets: store, trustDomain: TRUST_DOMAIN, now: NOW + elevenYears }),
      ErrorCode.caInvalid,
    );
  });

  test("an operator's CA is used as given and never copied into the store", async () => {
    const pki = await makeOperatorPki({ now: NOW });
    const certChainFile = join(dir, "ca-cert.pem");
    const keyFile = join(dir, "ca-key.pem");
    await writeFile(certChainFile, pki.chainPem);
    await writeFile(keyFile, pki.intermediateKeyPem);
    const store = new MemoryStore();
    const loaded = await loadMeshCa({
      secrets: store,
      trustDomain: TRUST_DOMAIN,
      operator: { certChainFile, keyFile },
      now: NOW,
    });
    assert.equal(loaded.source, "operator");
    assert.equal(loaded.ca.trustBundlePem().trim(), pki.rootPem.trim());
    assert.equal(await store.secret(CA_SECRET_KEY), undefined);
    assert.deepEqual(await store.secrets(""), []);
  });
});
