// Reads and checks what a CA signs with: a certificate chain (the signing certificate first, then
// each issuer up to a self-signed root) and the signing certificate's private key. Everything
// that would make the CA issue certificates no workload can verify is refused here, at load,
// rather than found by the first workload: every problem is collected into one WEFT_CA_INVALID.
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  X509Certificate as NodeCertificate,
  webcrypto,
} from "node:crypto";
import { ErrorCode, type ErrorDetail, WeftError } from "../errors.js";
import { describeKey, type KeyAlgorithm, keyAlgorithmOf } from "./key-algorithm.js";
import { x509 } from "./x509.js";

/** A CA ready to sign: its chain (signing certificate first, root last) and its key. */
export interface SigningMaterial {
  readonly chain: readonly x509.X509Certificate[];
  readonly signingKey: webcrypto.CryptoKey;
  readonly algorithm: KeyAlgorithm;
  /** The key as PKCS#8 PEM, whatever form it was read in. */
  readonly keyPkcs8Pem: string;
}

export interface SigningMaterialInput {
  readonly certChainPem: string;
  readonly keyPem: string;
  /** The field paths errors name for the chain and the key (a stored field, a file flag). */
  readonly certPath: string;
  readonly keyPath: string;
  /** Milliseconds since the epoch: every certificate of the chain must be valid then. */
  readonly now: number;
}

interface ParsedCertificate {
  readonly cert: x509.X509Certificate;
  readonly node: NodeCertificate;
}

function parseChain(pem: string, path: string, problems: ErrorDetail[]): ParsedCertificate[] {
  let blocks: x509.PemStruct[];
  try {
    blocks = x509.PemConverter.decodeWithHeaders(pem);
  } catch {
    blocks = [];
  }
  if (blocks.length === 0) {
    problems.push({ path, message: "holds no PEM certificate" });
    return [];
  }
  const parsed: ParsedCertificate[] = [];
  blocks.forEach((block, index) => {
    const where = `${path}[${index}]`;
    if (block.type !== x509.PemConverter.CertificateTag) {
      problems.push({ path: where, message: `is a PEM "${block.type}" block, not a CERTIFICATE` });
      return;
    }
    try {
      const der = Buffer.from(block.rawData);
      parsed.push({ cert: new x509.X509Certificate(der), node: new NodeCertificate(der) });
    } catch {
      problems.push({ path: where, message: "is not a readable X.509 certificate" });
    }
  });
  return parsed.length === blocks.length ? parsed : [];
}

function checkValidity(entry: ParsedCertificate, where: string, now: number, problems: ErrorDetail[]): void {
  const { notBefore, notAfter } = entry.cert;
  if (now < notBefore.getTime()) {
    problems.push({ path: where, message: `is not valid before ${notBefore.toISOString()}` });
  } else if (now >= notAfter.getTime()) {
    problems.push({ path: where, message: `expired at ${notAfter.toISOString()}` });
  }
}

/** True unless the certificate has a key usage extension without keyCertSign. */
function maySignCertificates(cert: x509.X509Certificate): boolean {
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  return usage === null || (usage.usages & x509.KeyUsageFlags.keyCertSign) !== 0;
}

function checkChain(chain: readonly ParsedCertificate[], path: string, now: number, problems: ErrorDetail[]): void {
  chain.forEach((entry, index) => {
    const where = `${path}[${index}]`;
    checkValidity(entry, where, now, problems);
    if (!entry.node.ca) {
      problems.push({ path: where, message: "is not a CA certificate (basic constraints without CA:true)" });
    } else if (!maySignCertificates(entry.cert)) {
      problems.push({ path: where, message: "has a key usage without keyCertSign: it may not sign certificates" });
    }
    const issuer = chain[index + 1] ?? entry;
    const issued = entry.node.checkIssued(issuer.node) && entry.node.verify(issuer.node.publicKey);
    if (!issued) {
      problems.push({
        path: where,
        message:
          issuer === entry
            ? "must be a self-signed root: the chain ends at the root the trust bundle holds"
            : `is not issued and signed by ${path}[${index + 1}]`,
      });
    }
  });
}

function readKey(pem: string, path: string, problems: ErrorDetail[]): KeyObject | undefined {
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch {
    // The message never quotes the key or Node's reason (which may echo part of it).
    problems.push({ path, message: "is not an unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1)" });
    return undefined;
  }
}

/** The chain and key of a CA, or WEFT_CA_INVALID with one detail per problem found. */
export async function loadSigningMaterial(input: SigningMaterialInput): Promise<SigningMaterial> {
  const { certPath, keyPath } = input;
  const problems: ErrorDetail[] = [];
  const chain = parseChain(input.certChainPem, certPath, problems);
  checkChain(chain, certPath, input.now, problems);
  const key = readKey(input.keyPem, keyPath, problems);
  const algorithm = key === undefined ? undefined : keyAlgorithmOf(key);
  if (key !== undefined && algorithm === undefined) {
    problems.push({
      path: keyPath,
      message: `is ${describeKey(key)}: a CA key must be ECDSA P-256 or P-384, or RSA of at least 2048 bits`,
    });
  }
  const signing = chain[0];
  if (key !== undefined && signing !== undefined) {
    const keyPublic = createPublicKey(key).export({ type: "spki", format: "der" });
    const certPublic = signing.node.publicKey.export({ type: "spki", format: "der" });
    if (!keyPublic.equals(certPublic)) {
      problems.push({ path: keyPath, message: `is not the private key of ${certPath}[0], the signing certificate` });
    }
  }
  if (problems.length > 0 || key === undefined || algorithm === undefined) {
    const first = problems[0];
    throw new WeftError(
      ErrorCode.caInvalid,
      `the CA cannot sign with this material: ${first?.path} ${first?.message}` +
        (problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""),
      { details: problems },
    );
  }
  const pkcs8 = key.export({ type: "pkcs8", format: "der" });
  const signingKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, algorithm.importParams, false, ["sign"]);
  return {
    chain: chain.map((entry) => entry.cert),
    signingKey: signingKey,
    algorithm,
    keyPkcs8Pem: key.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}
