// Mutual TLS between sidecars, compiled into Envoy's transport sockets (docs/security.md, "mTLS
// between sidecars"). A sidecar's certificate is the SDS secret `default` and the mesh root the
// SDS secret `ROOTCA`, as Envoy and Istio name them; the sidecar holds both itself (its key never
// leaves it), so the control plane only names them.
//
// The mode is a Service's PeerAuthentication's (peer-authentication.ts), else the mesh's: STRICT (the inbound listener takes mTLS only),
// PERMISSIVE (mTLS and plaintext on the same port, told apart by the first byte) or DISABLE
// (plaintext). A Service's instances may belong to sidecars of another service (catalog-v1 selects
// catalog's v1 instances): each instance is owned by the service its sidecar proved (the identity
// annotation), else by its `app` label, else by the Service, and takes its owner's mode. A caller's
// sidecar uses mTLS to a Service when an owner is STRICT, or when all are PERMISSIVE and every
// instance was registered by a sidecar that proved its identity (so it holds a certificate and
// takes mTLS); it checks the server's SPIFFE ID is one of the owners'.
import type { EnvoyJson } from "./compiled-resource.js";
import { workloadsOf } from "./endpoints.js";
import type { MeshState } from "./mesh-state.js";
import { peerAuthenticationMode } from "./peer-authentication.js";

export type MtlsMode = "STRICT" | "PERMISSIVE" | "DISABLE";
export const MTLS_MODES: readonly MtlsMode[] = ["STRICT", "PERMISSIVE", "DISABLE"];

/** The mesh's security settings the compiler needs. */
export interface MeshSecurity {
  readonly trustDomain: string;
  /** The mesh-wide mode (`weft control-plane --mtls-mode`). */
  readonly mode: MtlsMode;
}

/** Mesh security when the control plane sets none: every sidecar talks plaintext. */
export const NO_MTLS: MeshSecurity = { trustDomain: "weft.local", mode: "DISABLE" };

/**
 * Set by the registry on a WorkloadEntry whose sidecar proved its service with a join token: the
 * instance holds a workload certificate of that service and takes mTLS.
 */
export const IDENTITY_ANNOTATION = "weft.dev/identity";

/** The SDS secrets a sidecar holds: its certificate and the mesh's root. */
export const WORKLOAD_SECRET = "default";
export const ROOT_SECRET = "ROOTCA";

const DOWNSTREAM = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const UPSTREAM = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

function sds(name: string): EnvoyJson {
  return { name, sdsConfig: { ads: {}, resourceApiVersion: "V3" } };
}

export function spiffeIdOf(trustDomain: string, service: string): string {
  return `spiffe://${trustDomain}/service/${service}`;
}

/** The mode of `service`'s inbound side: its PeerAuthentication's, else the mesh-wide one's, else the flag's. */
export function modeOf(security: MeshSecurity, state: MeshState, service: string): MtlsMode {
  return peerAuthenticationMode(state, service) ?? security.mode;
}

/** The Service's instances, each with the service that owns it (see the header). */
function ownedInstances(state: MeshState, service: string): { owner: string; proven: boolean }[] {
  const document = state.services.get(service);
  if (document === undefined) return [];
  return workloadsOf(state, document).map((entry) => {
    const proven = entry.metadata.annotations?.[IDENTITY_ANNOTATION];
    return { owner: proven ?? entry.spec.labels?.app ?? service, proven: proven !== undefined };
  });
}

/** The services whose SPIFFE IDs may answer for `service`: its instances' owners, sorted (the Service itself while it has none). */
export function identitiesOf(state: MeshState, service: string): string[] {
  const owners = new Set(ownedInstances(state, service).map((instance) => instance.owner));
  return owners.size === 0 ? [service] : [...owners].sort();
}

/** Whether a caller with a certificate uses mTLS to `service` (see the header). */
export function callsWithMtls(security: MeshSecurity, state: MeshState, service: string): boolean {
  const instances = ownedInstances(state, service);
  const modes = new Set(
    (instances.length === 0 ? [service] : instances.map((i) => i.owner)).map((owner) => modeOf(security, state, owner)),
  );
  if (modes.has("STRICT")) return true;
  if (modes.has("DISABLE")) return false;
  return instances.length > 0 && instances.every((instance) => instance.proven);
}

/**
 * A cluster's transport socket to a Service whose instances are owned by `identities`: the
 * workload certificate, the server checked against the root and one of their SPIFFE IDs.
 */
export function upstreamTransportSocket(security: MeshSecurity, identities: readonly string[]): EnvoyJson {
  return {
    name: "envoy.transport_sockets.tls",
    typedConfig: {
      "@type": UPSTREAM,
      commonTlsContext: {
        tlsCertificateSdsSecretConfigs: [sds(WORKLOAD_SECRET)],
        combinedValidationContext: {
          defaultValidationContext: {
            matchTypedSubjectAltNames: identities.map((identity) => ({
              sanType: "URI",
              matcher: { exact: spiffeIdOf(security.trustDomain, identity) },
            })),
          },
          validationContextSdsSecretConfig: sds(ROOT_SECRET),
        },
      },
    },
  };
}

/** The inbound listener's transport socket: the workload certificate, a client certificate from the mesh root required. */
export function downstreamTransportSocket(): EnvoyJson {
  return {
    name: "envoy.transport_sockets.tls",
    typedConfig: {
      "@type": DOWNSTREAM,
      requireClientCertificate: true,
      commonTlsContext: {
        tlsCertificateSdsSecretConfigs: [sds(WORKLOAD_SECRET)],
        validationContextSdsSecretConfig: sds(ROOT_SECRET),
      },
    },
  };
}

/**
 * The inbound listener's filter chains and listener filters for `mode`: one mTLS chain (STRICT),
 * an mTLS and a plaintext chain told apart by the TLS inspector (PERMISSIVE), or one plaintext
 * chain (DISABLE).
 */
export function inboundChains(mode: MtlsMode, filters: readonly EnvoyJson[]): EnvoyJson {
  if (mode === "DISABLE") return { filterChains: [{ filters }] };
  const secure = { filters, transportSocket: downstreamTransportSocket() };
  if (mode === "STRICT") return { filterChains: [secure] };
  return {
    listenerFilters: [{ name: "envoy.filters.listener.tls_inspector" }],
    filterChains: [
      { ...secure, filterChainMatch: { transportProtocol: "tls" } },
      { filters, filterChainMatch: { transportProtocol: "raw_buffer" } },
    ],
  };
}
