// What the CA takes from a workload's certificate signing request: its public key, and nothing
// else. The request's subject, SANs and extensions are never read (the identity comes from the
// caller's proof of the service, as Istio's CA takes it from the caller's credential), but its
// signature must verify: it proves the requester holds the private key of the key it asks for.
import { createPublicKey, type KeyObject } from "node:crypto";
import { ErrorCode, WeftError } from "../errors.js";
import { describeKey, keyAlgorithmOf } from "./key-algorithm.js";
import { x509 } from "./x509.js";

function invalidCsr(path: string, problem: string, cause?: unknown): WeftError {
  return new WeftError(ErrorCode.invalidCsr, `${path} ${problem}`, {
    details: [{ path, message: problem }],
    cause,
  });
}

/** True for the keys a workload may hold: ECDSA P-256, or RSA of at least 2048 bits. */
function workloadKeyAccepted(key: KeyObject): boolean {
  const algorithm = keyAlgorithmOf(key);
  return algorithm !== undefined && (algorithm.label === "ECDSA P-256" || key.asymmetricKeyType === "rsa");
}

/**
 * The public key of `csrPem`, a PEM-encoded PKCS#10 request holding one request: WEFT_INVALID_CSR
 * if it is not one or its signature does not verify (a tampered request), WEFT_CSR_KEY_UNSUPPORTED
 * if its key is not one a workload may hold. Errors name `path` (the field the CSR came in).
 */
export async function publicKeyOfCsr(csrPem: string, path = "csrPem"): Promise<x509.PublicKey> {
  let request: x509.Pkcs10CertificateRequest;
  try {
    const blocks = x509.PemConverter.decodeWithHeaders(csrPem);
    if (blocks.length !== 1 || blocks[0]?.type !== x509.PemConverter.CertificateRequestTag) {
      throw invalidCsr(path, `must hold exactly one PEM block "${x509.PemConverter.CertificateRequestTag}"`);
    }
    request = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    if (error instanceof WeftError) throw error;
    throw invalidCsr(path, "is not a PEM-encoded PKCS#10 certificate signing request", error);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(request.publicKey.rawData), format: "der", type: "spki" });
  } catch (error) {
    throw invalidCsr(`${path}.publicKey`, "is not a public key Node can read", error);
  }
  if (!workloadKeyAccepted(key)) {
    const problem = `is ${describeKey(key)}: a workload key must be ECDSA P-256 or RSA of at least 2048 bits`;
    throw new WeftError(ErrorCode.csrKeyUnsupported, `${path}.publicKey ${problem}`, {
      details: [{ path: `${path}.publicKey`, message: problem }],
    });
  }
  let verified: boolean;
  try {
    verified = await request.verify();
  } catch (error) {
    throw invalidCsr(`${path}.signature`, "could not be checked", error);
  }
  if (!verified)
    throw invalidCsr(`${path}.signature`, "does not verify: the request was altered or not signed by its key");
  return request.publicKey;
}
