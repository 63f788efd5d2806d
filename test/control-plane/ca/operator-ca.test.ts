// An operator's intermediate as the mesh CA (Istio's plug-in CA): leaves chain to the operator's
// root through the intermediate, and material that could not sign is refused at load.
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CertificateAuthority, generateKeyAndCsr } from "../../../control-plane/src/ca/index.js";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { makeOperatorPki, type OperatorPki } from "./operator-pki.js";
import { rejectsWith } from "./refusals.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const DAY_MS = 24 * 60 * 60 * 1000;

/** `fn` is refused with WEFT_CA_INVALID and a detail at `path`. */
const refusedAt = (fn: () => Promise<unknown>, path: string): Promise<void> =>
  rejectsWith(fn, ErrorCode.caInvalid, path);

/** PEM certificates of a chain, split. */
function certificatesOf(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map(
    (block) => new X509Certificate(block),
  );
}

describe("CertificateAuthority.fromFiles", () => {
  let dir: string;
  let pki: OperatorPki;
  const write = async (name: string, text: string): Promise<string> => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };
  /** Loads the CA from a chain and key written to files (the trust domain is weft.local). */
  const load = async (chainPem: string, keyPem: string, now = NOW): Promise<CertificateAuthority> =>
    CertificateAuthority.fromFiles({
      trustDomain: "weft.local",
      certChainFile: await write("chain.pem", chainPem),
      keyFile: await write("key.pem", keyPem),
      now,
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "weft-ca-"));
    pki = await makeOperatorPki({ now: NOW });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("signs leaves that chain to the operator's root through the intermediate", async () => {
    const ca = await CertificateAuthority.fromFiles({
      trustDomain: "corp.example.com",
      certChainFile: await write("chain.pem", pki.chainPem),
      keyFile: await write("key.pem", pki.intermediateKeyPem),
      now: NOW,
    });
    assert.equal(ca.trustBundlePem().trim(), pki.rootPem.trim(), "the trust bundle is the operator's root");
    const issued = await ca.sign({ csrPem: (await generateKeyAndCsr()).csrPem, service: "web", now: NOW });
    const [leaf, intermediate, ...rest] = certificatesOf(issued.chainPem);
    assert.ok(leaf !== undefined && intermediate !== undefined);
    assert.equal(rest.length, 0, "the chain a workload presents leaves the root out");
    const root = new X509Certificate(pki.rootPem);
    assert.ok(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey), "leaf under the intermediate");
    assert.ok(intermediate.checkIssued(root) && intermediate.verify(root.publicKey), "intermediate under the root");
    assert.equal(leaf.checkIssued(root), false, "the leaf is not the root's own");
    assert.equal(leaf.subjectAltName, "URI:spiffe://corp.example.com/service/web");
  });

  test("reads a SEC1 key (openssl ecparam's form) and keeps it as PKCS#8", async () => {
    const sec1 = createPrivateKey(pki.intermediateKeyPem).export({ type: "sec1", format: "pem" }).toString();
    const ca = await load(pki.chainPem, sec1);
    assert.match(ca.toMaterial().keyPem, /^-----BEGIN PRIVATE KEY-----/);
    const reloaded = await CertificateAuthority.fromMaterial(ca.toMaterial(), { now: NOW });
    const leaf = new X509Certificate(
      (await reloaded.sign({ csrPem: (await generateKeyAndCsr()).csrPem, service: "web", now: NOW })).certPem,
    );
    assert.ok(leaf.verify(new X509Certificate(pki.intermediatePem).publicKey));
  });

  test("caps leaves at the intermediate's expiry", async () => {
    const shortLived = await makeOperatorPki({ now: NOW, intermediateDays: 1 });
    const ca = await load(shortLived.chainPem, shortLived.intermediateKeyPem);
    const issued = await ca.sign({
      csrPem: (await generateKeyAndCsr()).csrPem,
      service: "web",
      ttlMs: 7 * DAY_MS,
      now: NOW,
    });
    assert.equal(issued.notAfter.getTime(), NOW + DAY_MS);
  });

  test("refuses a key that is not the intermediate's, naming keyFile", async () => {
    const other = await makeOperatorPki({ now: NOW });
    await refusedAt(async () => load(pki.chainPem, other.intermediateKeyPem), "keyFile");
  });

  test("refuses a certificate that is not a CA, naming its place in the chain", async () => {
    const leafOnly = await makeOperatorPki({ now: NOW, intermediateIsCa: false });
    await refusedAt(async () => load(leafOnly.chainPem, leafOnly.intermediateKeyPem), "certChainFile[0]");
  });

  test("refuses a chain that does not end at a self-signed root", async () => {
    await refusedAt(async () => load(pki.intermediatePem, pki.intermediateKeyPem), "certChainFile[0]");
  });

  test("refuses a chain whose second certificate did not issue the first", async () => {
    const other = await makeOperatorPki({ now: NOW });
    await refusedAt(
      async () => load(`${pki.intermediatePem}\n${other.rootPem}`, pki.intermediateKeyPem),
      "certChainFile[0]",
    );
  });

  test("refuses an intermediate that has expired", async () => {
    await refusedAt(async () => load(pki.chainPem, pki.intermediateKeyPem, NOW + 31 * DAY_MS), "certChainFile[0]");
  });

  test("refuses a file that cannot be read, naming it", async () => {
    await refusedAt(
      async () =>
        CertificateAuthority.fromFiles({
          trustDomain: "weft.local",
          certChainFile: join(dir, "missing.pem"),
          keyFile: await write("key.pem", pki.intermediateKeyPem),
          now: NOW,
        }),
      "certChainFile",
    );
  });
});
