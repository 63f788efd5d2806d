// An operator's own PKI for the plug-in CA tests: a root and an intermediate made with the same
// library the CA uses, so a test can hand the CA an intermediate it did not generate.
import { webcrypto } from "node:crypto";
import { x509 } from "../../../control-plane/src/ca/x509.js";

const EC_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const SHA256_ECDSA = { name: "ECDSA", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface OperatorPki {
  readonly rootPem: string;
  /** The intermediate, then the root: what `--ca-cert` holds. */
  readonly chainPem: string;
  readonly intermediatePem: string;
  readonly intermediateKeyPem: string;
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
}

export async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), x509.PemConverter.PrivateKeyTag);
}

/**
 * A root valid for a year around `now`, and under it an intermediate valid `intermediateDays`:
 * a CA (pathLen 0) unless `intermediateIsCa` is false, then a plain end-entity certificate.
 */
export async function makeOperatorPki(
  options: { now: number; intermediateIsCa?: boolean; intermediateDays?: number } = { now: Date.now() },
): Promise<OperatorPki> {
  const rootKeys = await keyPair();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=Example Corp Root, O=Example Corp",
    notBefore: new Date(options.now - DAY_MS),
    notAfter: new Date(options.now + 365 * DAY_MS),
    keys: rootKeys,
    signingAlgorithm: SHA256_ECDSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const isCa = options.intermediateIsCa ?? true;
  const intermediateKeys = await keyPair();
  const intermediate = await x509.X509CertificateGenerator.create({
    subject: "CN=Weft mesh intermediate, O=Example Corp",
    issuer: root.subjectName,
    notBefore: new Date(options.now - DAY_MS),
    notAfter: new Date(options.now + (options.intermediateDays ?? 30) * DAY_MS),
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: SHA256_ECDSA,
    extensions: [
      new x509.BasicConstraintsExtension(isCa, isCa ? 0 : undefined, true),
      new x509.KeyUsagesExtension(
        isCa ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(intermediateKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const rootPem = root.toString("pem");
  const intermediatePem = intermediate.toString("pem");
  return {
    rootPem,
    intermediatePem,
    chainPem: `${intermediatePem}\n${rootPem}`,
    intermediateKeyPem: await privateKeyPem(intermediateKeys.privateKey),
  };
}

/** A CSR for `keys` that asks for `sanUri` and `commonName`, which the CA must ignore. */
export async function csrAskingFor(
  keys: webcrypto.CryptoKeyPair,
  algorithm: webcrypto.EcdsaParams | webcrypto.Algorithm,
  names: { commonName: string; sanUri?: string },
): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [names.commonName] }],
    keys,
    signingAlgorithm: algorithm,
    extensions:
      names.sanUri === undefined
        ? []
        : [new x509.SubjectAlternativeNameExtension([{ type: "url", value: names.sanUri }])],
  });
  return csr.toString("pem");
}

export { x509 };
