// Certificates for the TLS tests: mesh roots made by the control plane's CA code, and workload
// certificates it signs (valid, from another root, expired), each with its key.
import { CertificateAuthority, generateKeyAndCsr } from "../../../control-plane/src/ca/index.js";

export interface Workload {
  readonly spiffeId: string;
  /** The certificate, then the CA chain without the root. */
  readonly chainPem: string;
  readonly keyPem: string;
  readonly serialNumber: string;
}

export interface Pki {
  readonly ca: CertificateAuthority;
  readonly rootPem: string;
  /** A certificate for `service`, valid from `now` (default: now) for `ttlMs` (default: an hour). */
  issue(service: string, options?: { now?: number; ttlMs?: number }): Promise<Workload>;
}

export async function makePki(trustDomain = "weft.local"): Promise<Pki> {
  const ca = await CertificateAuthority.generate({ trustDomain, now: Date.now() - 10 * 24 * 3600_000 });
  return {
    ca,
    rootPem: ca.trustBundlePem(),
    async issue(service, options = {}) {
      const { keyPem, csrPem } = await generateKeyAndCsr({ commonName: service });
      const issued = await ca.sign({
        csrPem,
        service,
        ttlMs: options.ttlMs ?? 3600_000,
        ...(options.now === undefined ? {} : { now: options.now }),
      });
      return { spiffeId: issued.spiffeId, chainPem: issued.chainPem, keyPem, serialNumber: issued.serialNumber };
    },
  };
}

/** A TlsCertificate in Envoy's JSON form, inline. */
export function inlineCertificate(workload: Workload): Record<string, unknown> {
  return {
    certificate_chain: { inline_string: workload.chainPem },
    private_key: { inline_string: workload.keyPem },
  };
}
