// The mesh certificate authority: workload identities (SPIFFE IDs), the CA that signs workload
// certificates from CSRs, and when a certificate is due for rotation. Not wired into the control
// plane yet (see docs/security.md).
export {
  type CaMaterial,
  CertificateAuthority,
  DEFAULT_ROOT_VALIDITY_MS,
  type FromFilesOptions,
  type GenerateOptions,
  type IssuedCertificate,
  type SignRequest,
} from "./certificate-authority.js";
export { CLOCK_SKEW_ALLOWANCE_MS, DEFAULT_LEAF_TTL_MS, rotationDue, rotationTime } from "./leaf-validity.js";
export {
  checkService,
  checkTrustDomain,
  DEFAULT_TRUST_DOMAIN,
  parseSpiffeId,
  type SpiffeId,
  spiffeIdOf,
} from "./spiffe-id.js";
export { generateKeyAndCsr, type WorkloadKeyAndCsr } from "./workload-csr.js";
