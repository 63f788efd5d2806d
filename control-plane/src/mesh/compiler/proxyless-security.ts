// The transport sockets of what gRPC proxyless clients and servers are sent (docs/security.md,
// "gRPC proxyless clients and servers"). gRPC holds no SDS secrets: it takes its certificate and
// roots from certificate provider instances its bootstrap declares (`certificate_providers`), and
// a transport socket names an instance. Weft names one, `weft`, for both the workload certificate
// and the mesh root: a `file_watcher` over the files `weft cert issue` writes.
//
// gRPC NACKs a cluster or listener naming an instance its bootstrap lacks, and a TLS context with
// SDS secrets, inline certificates or TLS parameters; these hold only what it takes.
import type { EnvoyJson } from "./compiled-resource.js";
import { type MeshSecurity, spiffeIdOf } from "./mtls.js";

/** The certificate provider instance a proxyless client's or server's bootstrap must declare. */
export const CERTIFICATE_PROVIDER_INSTANCE = "weft";

const DOWNSTREAM = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const UPSTREAM = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

const INSTANCE: EnvoyJson = { instanceName: CERTIFICATE_PROVIDER_INSTANCE };

/**
 * A proxyless cluster's transport socket to a Service whose instances are owned by `identities`
 * (mtls.ts, identitiesOf): the client presents its workload certificate and checks the server's
 * against the mesh root and their SPIFFE IDs.
 *
 * The SPIFFE IDs go in the deprecated `match_subject_alt_names`, not Envoy's typed list: gRPC
 * (grpc-js-xds 1.14) checks a server's SANs only against the former, and Envoy refuses the two
 * together, so this gRPC-only cluster carries just the one gRPC reads. An untyped matcher is tried
 * against SANs of every type; the mesh CA writes a workload's SPIFFE ID only as its URI SAN.
 */
export function grpcUpstreamTransportSocket(security: MeshSecurity, identities: readonly string[]): EnvoyJson {
  return {
    name: "envoy.transport_sockets.tls",
    typedConfig: {
      "@type": UPSTREAM,
      commonTlsContext: {
        tlsCertificateProviderInstance: INSTANCE,
        validationContext: {
          caCertificateProviderInstance: INSTANCE,
          matchSubjectAltNames: identities.map((identity) => ({ exact: spiffeIdOf(security.trustDomain, identity) })),
        },
      },
    },
  };
}

/**
 * A proxyless server's transport socket: its workload certificate, callers' certificates checked
 * against the mesh root, and required when `requireClientCertificate`.
 */
export function grpcDownstreamTransportSocket(requireClientCertificate: boolean): EnvoyJson {
  return {
    name: "envoy.transport_sockets.tls",
    typedConfig: {
      "@type": DOWNSTREAM,
      requireClientCertificate,
      commonTlsContext: {
        tlsCertificateProviderInstance: INSTANCE,
        validationContext: { caCertificateProviderInstance: INSTANCE },
      },
    },
  };
}
