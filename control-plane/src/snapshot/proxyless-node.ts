// What a gRPC proxyless client says about itself in its xDS node metadata (docs/mesh.md, "gRPC
// proxyless clients"): `{"weft": {"mtls": true}}` when its bootstrap declares Weft's certificate
// provider instance (`weft`). Only such a client is sent TLS settings: gRPC NACKs a cluster naming
// an instance its bootstrap lacks, and the control plane cannot see the bootstrap.
import { SIDECAR_METADATA_KEY } from "./sidecar-node.js";

/** Whether a node that is not a sidecar holds Weft's certificate provider (anything else: no). */
export function proxylessMtlsOf(metadata: Readonly<Record<string, unknown>> | undefined): boolean {
  const weft = metadata?.[SIDECAR_METADATA_KEY];
  if (typeof weft !== "object" || weft === null || Array.isArray(weft)) return false;
  return (weft as Record<string, unknown>).mtls === true;
}
