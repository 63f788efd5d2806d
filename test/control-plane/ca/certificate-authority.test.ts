// The CA with real crypto: what it issues is checked with Node's own X509Certificate (what TLS
// will verify), not with the library that built it.
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, webcrypto, X509Certificate } from "node:crypto";
import { before, describe, test } from "node:test";
import {
  CertificateAuthority,
  CLOCK_SKEW_ALLOWANCE_MS,
  DEFAULT_LEAF_TTL_MS,
  generateKeyAndCsr,
  rotationDue,
} from "../../../control-plane/src/ca/index.js";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { csrAskingFor, x509 } from "./operator-pki.js";
import { rejectsWith } from "./refusals.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const HOUR_MS = 60 * 60 * 1000;

function sanUris(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? "").split(", ").filter((name) => name !== "");
}

describe("CertificateAuthority.generate", () => {
  let ca: CertificateAuthority;
  before(async () => {
    ca = await CertificateAuthority.generate({ trustDomain: "weft.local", now: NOW });
  });

  test("makes a self-signed ECDSA P-256 root that may sign certificates, valid ten years", () => {
    const root = new X509Certificate(ca.trustBundlePem());
    assert.equal(root.ca, true);
    assert.ok(root.checkIssued(root) && root.verify(root.publicKey), "self-signed");
    assert.equal(root.publicKey.asymmetricKeyType, "ec");
    assert.equal(root.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.match(root.subject, /CN=weft root CA weft\.local/);
    assert.match(root.subject, /O=Weft/);
    const usage = new x509.X509Certificate(ca.trustBundlePem()).getExtension(x509.KeyUsagesExtension);
    assert.equal(usage?.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    assert.equal(Date.parse(root.validTo), NOW + 10 * 365 * 24 * HOUR_MS);
    assert.equal(ca.notAfter.getTime(), NOW + 10 * 365 * 24 * HOUR_MS);
  });

  test("refuses a trust domain that is not a lower-case DNS name, and a validity of 0", async () => {
    await rejectsWith(
      () => CertificateAuthority.generate({ trustDomain: "Weft.Local" }),
      ErrorCode.invalidIdentity,
      "trustDomain",
    );
    await rejectsWith(
      () => CertificateAuthority.generate({ trustDomain: "weft.local", validityMs: 0 }),
      ErrorCode.badRequest,
      "validityMs",
    );
  });
});

describe("CertificateAuthority.sign", () => {
  let ca: CertificateAuthority;
  let root: X509Certificate;
  before(async () => {
    ca = await CertificateAuthority.generate({ trustDomain: "weft.local", now: NOW });
    root = new X509Certificate(ca.trustBundlePem());
  });

  test("issues a leaf for the service's SPIFFE ID that the root verifies, valid for the TTL", async () => {
    const { csrPem, keyPem } = await generateKeyAndCsr({ commonName: "web" });
    const issued = await ca.sign({ csrPem, service: "web", ttlMs: HOUR_MS, now: NOW });
    const leaf = new X509Certificate(issued.certPem);
    assert.ok(leaf.checkIssued(root), "issued by the root");
    assert.ok(leaf.verify(root.publicKey), "signed by the root's key");
    assert.equal(leaf.ca, false);
    assert.deepEqual(sanUris(leaf), ["URI:spiffe://weft.local/service/web"]);
    assert.equal(issued.spiffeId, "spiffe://weft.local/service/web");
    assert.equal(Date.parse(leaf.validFrom), NOW - CLOCK_SKEW_ALLOWANCE_MS);
    assert.equal(Date.parse(leaf.validTo), NOW + HOUR_MS);
    assert.equal(issued.notBefore.getTime(), NOW - CLOCK_SKEW_ALLOWANCE_MS);
    assert.equal(issued.notAfter.getTime(), NOW + HOUR_MS);
    assert.equal(issued.rotateAt.getTime(), NOW + HOUR_MS / 2);
    assert.equal(issued.serialNumber.toLowerCase(), leaf.serialNumber.toLowerCase());
    assert.equal(issued.chainPem.trim(), issued.certPem.trim(), "a root's leaf goes alone");
    assert.ok(leaf.checkPrivateKey(createPrivateKey(keyPem)), "the certificate is for the workload's own key");
    assert.deepEqual(leaf.keyUsage, ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], "serverAuth and clientAuth");
    const usage = new x509.X509Certificate(issued.certPem).getExtension(x509.KeyUsagesExtension);
    assert.equal(usage?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
  });

  test("defaults to a TTL of 24 hours, and gives two certificates different serial numbers", async () => {
    const first = await ca.sign({ csrPem: (await generateKeyAndCsr()).csrPem, service: "web", now: NOW });
    const second = await ca.sign({ csrPem: (await generateKeyAndCsr()).csrPem, service: "web", now: NOW });
    assert.equal(first.notAfter.getTime(), NOW + DEFAULT_LEAF_TTL_MS);
    assert.notEqual(first.serialNumber, second.serialNumber);
  });

  test("takes the identity from the service alone, not from the SAN or subject the CSR asks for", async () => {
    const keys = (await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as webcrypto.CryptoKeyPair;
    const csrPem = await csrAskingFor(
      keys,
      { name: "ECDSA", hash: "SHA-256" },
      { commonName: "catalog", sanUri: "spiffe://weft.local/service/catalog" },
    );
    const leaf = new X509Certificate((await ca.sign({ csrPem, service: "web", now: NOW })).certPem);
    assert.deepEqual(sanUris(leaf), ["URI:spiffe://weft.local/service/web"]);
    assert.doesNotMatch(leaf.subject ?? "", /catalog/);
  });

  test("refuses a CSR altered after it was signed, with WEFT_INVALID_CSR", async () => {
    const { csrPem } = await generateKeyAndCsr({ commonName: "web" });
    const der = Buffer.from(x509.PemConverter.decodeFirst(csrPem));
    const at = der.indexOf(Buffer.from("web"));
    assert.ok(at > 0, "the common name is in the request");
    der[at] = "x".charCodeAt(0);
    const tampered = x509.PemConverter.encode(der, "CERTIFICATE REQUEST");
    await rejectsWith(
      () => ca.sign({ csrPem: tampered, service: "web", now: NOW }),
      ErrorCode.invalidCsr,
      "csrPem.signature",
    );
  });

  test("refuses text that is not a CSR, and a certificate in place of one, with WEFT_INVALID_CSR", async () => {
    await rejectsWith(() => ca.sign({ csrPem: "hello", service: "web", now: NOW }), ErrorCode.invalidCsr, "csrPem");
    await rejectsWith(
      () => ca.sign({ csrPem: ca.trustBundlePem(), service: "web", now: NOW }),
      ErrorCode.invalidCsr,
      "csrPem",
    );
  });

  test("refuses a P-384 key and a 1024-bit RSA key with WEFT_CSR_KEY_UNSUPPORTED, and accepts RSA 2048", async () => {
    const p384 = (await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, [
      "sign",
      "verify",
    ])) as webcrypto.CryptoKeyPair;
    const p384Csr = await csrAskingFor(p384, { name: "ECDSA", hash: "SHA-384" }, { commonName: "web" });
    await rejectsWith(
      () => ca.sign({ csrPem: p384Csr, service: "web", now: NOW }),
      ErrorCode.csrKeyUnsupported,
      "csrPem.publicKey",
    );
    const rsa = async (modulusLength: number): Promise<string> => {
      const keys = (await webcrypto.subtle.generateKey(
        { name: "RSASSA-PKCS1-v1_5", modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
        true,
        ["sign", "verify"],
      )) as webcrypto.CryptoKeyPair;
      return csrAskingFor(keys, { name: "RSASSA-PKCS1-v1_5" }, { commonName: "web" });
    };
    await rejectsWith(
      async () => ca.sign({ csrPem: await rsa(1024), service: "web", now: NOW }),
      ErrorCode.csrKeyUnsupported,
    );
    const leaf = new X509Certificate((await ca.sign({ csrPem: await rsa(2048), service: "web", now: NOW })).certPem);
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.ok(leaf.verify(root.publicKey));
  });

  test("refuses a service that is not a DNS-1123 label, and a TTL that is not a positive integer", async () => {
    const { csrPem } = await generateKeyAndCsr();
    await rejectsWith(() => ca.sign({ csrPem, service: "Web", now: NOW }), ErrorCode.invalidIdentity, "service");
    await rejectsWith(() => ca.sign({ csrPem, service: "a/b", now: NOW }), ErrorCode.invalidIdentity, "service");
    await rejectsWith(() => ca.sign({ csrPem, service: "web", ttlMs: -1, now: NOW }), ErrorCode.badRequest, "ttlMs");
    await rejectsWith(() => ca.sign({ csrPem, service: "web", ttlMs: 1.5, now: NOW }), ErrorCode.badRequest, "ttlMs");
  });

  test("caps a leaf's notAfter at the CA's own, and issues nothing once the CA has expired", async () => {
    const shortCa = await CertificateAuthority.generate({ trustDomain: "weft.local", now: NOW, validityMs: HOUR_MS });
    const { csrPem } = await generateKeyAndCsr();
    const issued = await shortCa.sign({ csrPem, service: "web", ttlMs: 24 * HOUR_MS, now: NOW + HOUR_MS / 2 });
    assert.equal(issued.notAfter.getTime(), shortCa.notAfter.getTime());
    assert.equal(Date.parse(new X509Certificate(issued.certPem).validTo), NOW + HOUR_MS);
    await rejectsWith(() => shortCa.sign({ csrPem, service: "web", now: NOW + HOUR_MS }), ErrorCode.caInvalid);
  });

  test("a certificate is due for rotation at half its TTL from issue, not from its backdated notBefore", async () => {
    const ttlMs = 10_000;
    const issued = await ca.sign({ csrPem: (await generateKeyAndCsr()).csrPem, service: "web", ttlMs, now: NOW });
    assert.equal(rotationDue(issued.notBefore, issued.notAfter, NOW), false);
    assert.equal(rotationDue(issued.notBefore, issued.notAfter, NOW + ttlMs / 2 - 1), false);
    assert.equal(rotationDue(issued.notBefore, issued.notAfter, NOW + ttlMs / 2), true);
  });
});

describe("CA material", () => {
  test("round-trips through toMaterial: the reloaded CA signs certificates the original root verifies", async () => {
    const original = await CertificateAuthority.generate({ trustDomain: "mesh.example.com", now: NOW });
    const material = original.toMaterial();
    assert.match(material.keyPem, /^-----BEGIN PRIVATE KEY-----/, "PKCS#8");
    const reloaded = await CertificateAuthority.fromMaterial(JSON.parse(JSON.stringify(material)), { now: NOW });
    assert.equal(reloaded.trustBundlePem(), original.trustBundlePem());
    assert.deepEqual(reloaded.toMaterial(), material);
    const issued = await reloaded.sign({ csrPem: (await generateKeyAndCsr()).csrPem, service: "catalog", now: NOW });
    const root = new X509Certificate(original.trustBundlePem());
    const leaf = new X509Certificate(issued.certPem);
    assert.ok(leaf.checkIssued(root) && leaf.verify(root.publicKey));
    assert.deepEqual(sanUris(leaf), ["URI:spiffe://mesh.example.com/service/catalog"]);
  });

  test("refuses material whose key is another CA's, naming keyPem", async () => {
    const one = (await CertificateAuthority.generate({ trustDomain: "weft.local", now: NOW })).toMaterial();
    const other = (await CertificateAuthority.generate({ trustDomain: "weft.local", now: NOW })).toMaterial();
    await rejectsWith(
      () => CertificateAuthority.fromMaterial({ ...one, keyPem: other.keyPem }, { now: NOW }),
      ErrorCode.caInvalid,
      "keyPem",
    );
  });

  test("refuses material that is not PEM, collecting a detail for the chain and for the key", async () => {
    await assert.rejects(
      () => CertificateAuthority.fromMaterial({ trustDomain: "weft.local", certChainPem: "x", keyPem: "y" }),
      (error: { code?: string; details?: { path: string }[] }) => {
        assert.equal(error.code, ErrorCode.caInvalid);
        assert.deepEqual(error.details?.map((detail) => detail.path).sort(), ["certChainPem", "keyPem"]);
        return true;
      },
    );
  });

  test("refuses a stored root that has expired, naming the certificate", async () => {
    const material = (
      await CertificateAuthority.generate({ trustDomain: "weft.local", now: NOW, validityMs: HOUR_MS })
    ).toMaterial();
    await rejectsWith(
      () => CertificateAuthority.fromMaterial(material, { now: NOW + 2 * HOUR_MS }),
      ErrorCode.caInvalid,
      "certChainPem[0]",
    );
  });

  test("the workload's key stays with it: the CSR holds only the public half", async () => {
    const { keyPem, csrPem } = await generateKeyAndCsr();
    const request = new x509.Pkcs10CertificateRequest(csrPem);
    const csrKey = createPublicKey({ key: Buffer.from(request.publicKey.rawData), format: "der", type: "spki" });
    const ownKey = createPublicKey(createPrivateKey(keyPem));
    assert.ok(csrKey.equals(ownKey));
    assert.equal(csrPem.includes("PRIVATE KEY"), false);
  });
});
