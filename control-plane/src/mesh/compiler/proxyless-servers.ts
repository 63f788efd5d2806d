// What a gRPC proxyless server (grpc-js-xds's XdsServer, gRPC's xDS server elsewhere) asks for
// (docs/mesh.md, "gRPC proxyless servers"): for each address it binds, the Listener its bootstrap's
// `server_listener_resource_name_template` names, `inbound|grpc-server|HOST:PORT`. The server is an
// instance of the mesh like any other, a WorkloadEntry (written, or registered): for each Service
// port speaking HTTP/2 that selects it, at the address and port the Service's endpoints give.
//
// gRPC serves a connection through the filter chain matching it and takes only what it can check:
// an HTTP connection manager whose routes all carry a non-forwarding action (any other action
// fails the call), no listener filters, and a filter chain match on the transport protocol only
// for `raw_buffer`. It cannot tell TLS from plaintext on one port, so a server serves one of them:
// mTLS when callers use mTLS to its Service (callsWithMtls: STRICT, or PERMISSIVE with every
// instance holding a certificate), a client certificate required when the Service is STRICT;
// plaintext otherwise.
import { parseIp } from "../../../../proto/checks/index.js";
import { speaksHttp2 } from "./clusters.js";
import { type CompiledResource, type CompileIssue, compiled, type EnvoyJson } from "./compiled-resource.js";
import { endpointPortOf, workloadsOf } from "./endpoints.js";
import { uniqueIssues } from "./issues.js";
import type { MeshState } from "./mesh-state.js";
import { callsWithMtls, type MeshSecurity, modeOf } from "./mtls.js";
import { grpcServerListenerName } from "./names.js";
import { grpcDownstreamTransportSocket } from "./proxyless-security.js";

const HCM = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ROUTER = "envoy.extensions.filters.http.router.v3.Router";

export interface ProxylessServers {
  /** One listener per instance address and port, in name order. */
  readonly listeners: readonly CompiledResource<"listeners">[];
  readonly issues: readonly CompileIssue[];
}

/** One address a proxyless server may bind, and what the Services selecting it ask of it. */
interface ServerAddress {
  readonly host: string;
  readonly port: number;
  /** The first WorkloadEntry (by name) at this address. */
  readonly entry: string;
  readonly mtls: string[];
  readonly plaintext: string[];
  strict: boolean;
}

/**
 * The listeners of every instance address of the mesh's HTTP/2 Service ports. An instance that
 * Services disagree on (one's callers use mTLS, another's plaintext) serves mTLS, with an issue.
 */
export function compileProxylessServers(state: MeshState, security: MeshSecurity): ProxylessServers {
  const byName = new Map<string, ServerAddress>();
  for (const service of state.services.values()) {
    const ports = service.spec.ports.filter(speaksHttp2);
    if (ports.length === 0) continue;
    const name = service.metadata.name;
    const mtls = callsWithMtls(security, state, name);
    const strict = modeOf(security, state, name) === "STRICT";
    for (const entry of workloadsOf(state, service)) {
      if (parseIp(entry.spec.address) === undefined) continue;
      for (const port of ports) {
        const at = { host: entry.spec.address, port: endpointPortOf(entry, port) };
        const listener = grpcServerListenerName(at);
        let address = byName.get(listener);
        if (address === undefined) {
          address = { ...at, entry: entry.metadata.name, mtls: [], plaintext: [], strict: false };
          byName.set(listener, address);
        }
        const callers = mtls ? address.mtls : address.plaintext;
        if (!callers.includes(name)) callers.push(name);
        address.strict ||= strict;
      }
    }
  }
  const issues: CompileIssue[] = [];
  const listeners: CompiledResource<"listeners">[] = [];
  for (const [name, address] of [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (address.mtls.length > 0 && address.plaintext.length > 0) {
      issues.push({
        kind: "workloadentries",
        name: address.entry,
        path: "spec.address",
        message:
          `a gRPC proxyless server at ${name.slice(name.lastIndexOf("|") + 1)} serves mTLS or plaintext, not both: ` +
          `callers of ${address.mtls.join(", ")} use mTLS, of ${address.plaintext.join(", ")} plaintext; it serves mTLS`,
      });
    }
    listeners.push(serverListener(name, address));
  }
  return { listeners, issues: uniqueIssues(issues) };
}

function serverListener(name: string, address: ServerAddress): CompiledResource<"listeners"> {
  const chain: EnvoyJson = {
    filters: [
      {
        name: "envoy.filters.network.http_connection_manager",
        typedConfig: {
          "@type": `type.googleapis.com/${HCM}`,
          statPrefix: name,
          routeConfig: {
            name,
            virtualHosts: [{ name, domains: ["*"], routes: [{ match: { prefix: "/" }, nonForwardingAction: {} }] }],
          },
          httpFilters: [
            { name: "envoy.filters.http.router", typedConfig: { "@type": `type.googleapis.com/${ROUTER}` } },
          ],
        },
      },
    ],
  };
  if (address.mtls.length > 0) chain.transportSocket = grpcDownstreamTransportSocket(address.strict);
  return compiled("listeners", {
    name,
    address: { socketAddress: { address: address.host, portValue: address.port } },
    filterChains: [chain],
  });
}
