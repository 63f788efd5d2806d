// istiod's identity check for Weft: on the TLS xDS port, a client that presents a workload
// certificate may only claim to be a node of the service the certificate names, since the node
// (its cluster, and a sidecar's `weft.service` metadata) decides which config is compiled for it,
// which listeners reach it, and whose instance keeps its registration alive.
//
// - A sidecar node (metadata `weft.role: sidecar`, read as the compiler reads it, sidecar-node.ts)
//   must name the certificate's service as its `weft.service`, and as its cluster when it sends one.
// - Any other node (a `weft proxy`, an Envoy) must name it as its cluster: the cluster is what
//   listener scopes select on (node_clusters), so a certificate reaches its own cluster's only.
// - A certificate that is not a workload identity of this mesh's trust domain (another trust
//   domain, the control plane's own `spiffe://.../control-plane`, no SPIFFE ID) claims nothing.
// Node ids are not bound to identities, as in Istio; a listener scoped by node id alone reaches
// whoever claims that id with a certificate.
import { parseSpiffeId } from "../ca/spiffe-id.js";
import { ErrorCode } from "../errors.js";
import { sidecarOf } from "../snapshot/sidecar-node.js";
import type { ConnectionNode } from "../status/registry.js";

export interface IdentityMismatch {
  readonly code: typeof ErrorCode.identityMismatch;
  readonly message: string;
  /** The service the node claims (its sidecar service, else its cluster). */
  readonly claimedService: string;
}

/** The service a workload SPIFFE ID of `trustDomain` names, or undefined for any other ID. */
export function serviceOfIdentity(spiffeId: string | undefined, trustDomain: string): string | undefined {
  if (spiffeId === undefined) return undefined;
  try {
    const parsed = parseSpiffeId(spiffeId);
    return parsed.trustDomain === trustDomain ? parsed.service : undefined;
  } catch {
    return undefined;
  }
}

/** Why `node` may not be served to the holder of `spiffeId`, or undefined when it may. */
export function checkNodeIdentity(
  node: Pick<ConnectionNode, "id" | "cluster" | "metadata">,
  spiffeId: string | undefined,
  trustDomain: string,
): IdentityMismatch | undefined {
  const sidecar = sidecarOf(node.metadata);
  const claimedService = sidecar?.service ?? node.cluster;
  const refuse = (reason: string): IdentityMismatch => ({
    code: ErrorCode.identityMismatch,
    message: `node ${JSON.stringify(node.id)} ${reason}`,
    claimedService,
  });
  const service = serviceOfIdentity(spiffeId, trustDomain);
  if (service === undefined) {
    return refuse(
      `presents ${spiffeId ?? "a certificate without a SPIFFE ID"}, which is not a workload identity of trust domain ${trustDomain}`,
    );
  }
  if (sidecar !== undefined) {
    if (sidecar.service !== service)
      return refuse(`claims sidecar service ${sidecar.service}, its certificate is ${spiffeId}`);
    if (node.cluster !== "" && node.cluster !== service) {
      return refuse(`claims cluster ${node.cluster}, its certificate is ${spiffeId}`);
    }
    return undefined;
  }
  if (node.cluster !== service) {
    return refuse(`claims cluster ${JSON.stringify(node.cluster)}, its certificate is ${spiffeId}`);
  }
  return undefined;
}
