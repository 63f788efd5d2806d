// Which CA the control plane signs with, decided at start:
// - an operator's CA (`--ca-cert`/`--ca-key` files, Istio's "plug-in CA"): used as given and never
//   copied into the store (every replica is given the same files);
// - otherwise the root kept in the store under CA_SECRET_KEY, so every replica and every restart
//   signs with the same key;
// - otherwise a root generated now (ECDSA P-256) and written there, once: when two replicas start
//   together on one store, the one that writes first wins and the other loads its root.
// A stored root made for another trust domain is refused (its workloads' identities would not
// match), as is one that cannot sign (expired, damaged): WEFT_CA_INVALID, and nothing is replaced.
import { X509Certificate } from "node:crypto";
import { ErrorCode, WeftError } from "../errors.js";
import type { SecretStore } from "../store/secret-store.js";
import { type CaMaterial, CertificateAuthority } from "./certificate-authority.js";

/** Where the store keeps the generated root. */
export const CA_SECRET_KEY = "ca/root";

export type CaSource = "operator" | "stored" | "generated";

export interface MeshCaOptions {
  readonly secrets: Pick<SecretStore, "secret" | "createSecret">;
  readonly trustDomain: string;
  /** The operator's CA files; both or neither (the CLI checks). */
  readonly operator?: { readonly certChainFile: string; readonly keyFile: string } | undefined;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

export interface MeshCa {
  readonly ca: CertificateAuthority;
  readonly source: CaSource;
}

/** What the store holds under CA_SECRET_KEY. */
interface StoredCa extends CaMaterial {
  readonly version: 1;
  /** When the root was generated (ISO 8601). */
  readonly createdAt: string;
}

/** The CA to sign with: the operator's, the stored root, or a new root stored for next time. */
export async function loadMeshCa(options: MeshCaOptions): Promise<MeshCa> {
  const { trustDomain, now } = options;
  if (options.operator !== undefined) {
    const ca = await CertificateAuthority.fromFiles({ trustDomain, ...options.operator, now });
    return { ca, source: "operator" };
  }
  const stored = await options.secrets.secret(CA_SECRET_KEY);
  if (stored !== undefined) return { ca: await fromStored(stored, trustDomain, now), source: "stored" };
  const generated = await CertificateAuthority.generate({ trustDomain, now });
  const record: StoredCa = { version: 1, createdAt: new Date(now).toISOString(), ...generated.toMaterial() };
  const kept = await options.secrets.createSecret(CA_SECRET_KEY, JSON.stringify(record));
  if (kept.created) return { ca: generated, source: "generated" };
  // Another replica stored its root first: sign with that one.
  return { ca: await fromStored(kept.value, trustDomain, now), source: "stored" };
}

async function fromStored(value: string, trustDomain: string, now: number): Promise<CertificateAuthority> {
  let record: Partial<StoredCa>;
  try {
    record = JSON.parse(value) as Partial<StoredCa>;
  } catch {
    throw invalid("is not JSON", CA_SECRET_KEY);
  }
  if (record.version !== 1 || typeof record.certChainPem !== "string" || typeof record.keyPem !== "string") {
    throw invalid("is not a stored CA of version 1 (certChainPem, keyPem)", CA_SECRET_KEY);
  }
  if (record.trustDomain !== trustDomain) {
    throw invalid(
      `was made for trust domain ${JSON.stringify(record.trustDomain)}, not ${JSON.stringify(trustDomain)}: start with --trust-domain ${String(record.trustDomain)}, or give an operator CA for the new domain (--ca-cert, --ca-key)`,
      "--trust-domain",
    );
  }
  return CertificateAuthority.fromMaterial(
    { trustDomain, certChainPem: record.certChainPem, keyPem: record.keyPem },
    { now },
  );
}

function invalid(reason: string, path: string): WeftError {
  const message = `the root CA kept in the store ${reason}`;
  return new WeftError(ErrorCode.caInvalid, message, { details: [{ path, message }] });
}

/** The root certificate's SHA-256 fingerprint, as `openssl x509 -fingerprint -sha256` prints it. */
export function rootFingerprint(ca: CertificateAuthority): string {
  return new X509Certificate(ca.trustBundlePem()).fingerprint256;
}
