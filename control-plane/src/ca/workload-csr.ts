// The workload's side of joining: it makes its own key pair and asks for a certificate with a
// CSR, so its private key never leaves it (the control plane sees only the public key).
import { webcrypto } from "node:crypto";
import { x509 } from "./x509.js";

export interface WorkloadKeyAndCsr {
  /** The workload's private key, PKCS#8 PEM: it stays with the workload. */
  readonly keyPem: string;
  /** The PKCS#10 request to send to the CA. */
  readonly csrPem: string;
}

/**
 * A fresh ECDSA P-256 key and a CSR signed with it. `commonName` only labels the request for a
 * reader; the CA ignores the CSR's names and takes the identity from the caller's proof.
 */
export async function generateKeyAndCsr(options: { commonName?: string } = {}): Promise<WorkloadKeyAndCsr> {
  const keys = (await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: options.commonName === undefined ? [] : [{ CN: [options.commonName] }],
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } as webcrypto.EcdsaParams,
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    keyPem: x509.PemConverter.encode(pkcs8, x509.PemConverter.PrivateKeyTag),
    csrPem: csr.toString("pem"),
  };
}
