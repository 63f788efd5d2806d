// Which keys the CA works with, decided on Node's KeyObject (it reads SPKI, PKCS#8, SEC1 and
// PKCS#1 alike) and translated to the WebCrypto parameters @peculiar/x509 signs with.
import type { KeyObject, webcrypto } from "node:crypto";

/** The smallest RSA modulus accepted anywhere (NIST SP 800-57: 2048 bits through 2030). */
export const MIN_RSA_BITS = 2048;

export interface KeyAlgorithm {
  /** For logs and errors: `ECDSA P-256`, `RSA 2048`. */
  readonly label: string;
  /** WebCrypto's parameters to import the key as a signing key. */
  readonly importParams: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  /** WebCrypto's parameters to sign with the key (the hash follows the curve, as TLS pairs them). */
  readonly signingAlgorithm: webcrypto.EcdsaParams | webcrypto.Algorithm;
}

const CURVES: Readonly<Record<string, { namedCurve: string; hash: string }>> = {
  prime256v1: { namedCurve: "P-256", hash: "SHA-256" },
  secp384r1: { namedCurve: "P-384", hash: "SHA-384" },
};

/**
 * The algorithm of an ECDSA (P-256, P-384) or RSA (PKCS#1 v1.5, at least MIN_RSA_BITS) key, or
 * undefined for any other key: another curve, RSA-PSS-only keys, Ed25519, short RSA.
 */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "ec") {
    const curve = CURVES[details.namedCurve ?? ""];
    if (curve === undefined) return undefined;
    return {
      label: `ECDSA ${curve.namedCurve}`,
      importParams: { name: "ECDSA", namedCurve: curve.namedCurve },
      signingAlgorithm: { name: "ECDSA", hash: curve.hash },
    };
  }
  if (key.asymmetricKeyType === "rsa") {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) return undefined;
    return {
      label: `RSA ${bits}`,
      importParams: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      signingAlgorithm: { name: "RSASSA-PKCS1-v1_5" },
    };
  }
  return undefined;
}

/** What `keyAlgorithmOf` said of `key`, for an error message: `EC secp521r1`, `RSA 1024`, `ed25519`. */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "ec") return `EC ${details.namedCurve ?? "(unknown curve)"}`;
  if (key.asymmetricKeyType === "rsa") return `RSA ${details.modulusLength ?? "?"}`;
  return key.asymmetricKeyType ?? "an unknown key type";
}
