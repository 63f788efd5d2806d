// The mesh certificate authority: workload identities (SPIFFE IDs), the CA that signs workload
// certificates from CSRs, when a certificate is due for rotation, and which CA the control plane
// signs with (mesh-ca.ts), and the join tokens that prove a workload's service (join-tokens.ts).
export {
  type CaMaterial,
  CertificateAuthority,
  type ControlPlaneSignRequest,
  DEFAULT_ROOT_VALIDITY_MS,
  type FromFilesOptions,
  type GenerateOptions,
  type IssuedCertificate,
  type SignRequest,
} from "./certificate-authority.js";
export { type CreatedJoinToken, JoinTokens, type JoinTokenView } from "./join-tokens.js";
export { CLOCK_SKEW_ALLOWANCE_MS, DEFAULT_LEAF_TTL_MS, rotationDue, rotationTime } from "./leaf-validity.js";
export {
  CA_SECRET_KEY,
  type CaSource,
  loadMeshCa,
  type MeshCa,
  type MeshCaOptions,
  rootFingerprint,
} from "./mesh-ca.js";
export {
  CONTROL_PLANE_PATH,
  checkService,
  checkTrustDomain,
  controlPlaneSpiffeId,
  DEFAULT_TRUST_DOMAIN,
  isControlPlaneSpiffeId,
  parseSpiffeId,
  type SpiffeId,
  spiffeIdOf,
  spiffeIdOfCertificate,
} from "./spiffe-id.js";
export { generateKeyAndCsr, type WorkloadKeyAndCsr } from "./workload-csr.js";
