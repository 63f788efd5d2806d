// A sidecar's `--upstream SERVICE[:PORT]=HOST:PORT`: a local TCP listener whose bytes go to one
// Service port through a TCP proxy (docs/mesh.md, "Upstream listeners"), for clients that speak
// something other than HTTP (a database, a broker) or cannot be pointed at the outbound listener.
// The cluster it names is the Service port's ordinary one, in the view because upstreams count as
// dependencies (sidecar-node.ts).
import type { CompiledResource, CompileIssue } from "./compiled-resource.js";
import { compiled } from "./compiled-resource.js";
import type { HostPort } from "./listeners.js";
import { type MeshState, portOf } from "./mesh-state.js";
import { serviceClusterName, upstreamListenerName } from "./names.js";

const TCP_PROXY = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

/** One `--upstream`: a Service port (absent: its first port) reached on a local address. */
export interface Upstream {
  readonly service: string;
  readonly port: number | undefined;
  readonly listen: HostPort;
}

export interface Upstreams {
  /** One listener per upstream whose Service port exists, in the order given. */
  readonly listeners: readonly CompiledResource<"listeners">[];
  /** An upstream naming no Service, or no port of it: left out. */
  readonly issues: readonly CompileIssue[];
}

export function compileUpstreams(state: MeshState, upstreams: readonly Upstream[]): Upstreams {
  const listeners: CompiledResource<"listeners">[] = [];
  const issues: CompileIssue[] = [];
  for (const upstream of upstreams) {
    const { service: name, port: number, listen } = upstream;
    const listenerName = upstreamListenerName(listen);
    const service = state.services.get(name);
    if (service === undefined) {
      issues.push({ kind: "services", name, path: "metadata.name", message: `${listenerName}: no Service ${name}` });
      continue;
    }
    const port = number === undefined ? service.spec.ports[0] : portOf(service, number);
    if (port === undefined) {
      issues.push({
        kind: "services",
        name,
        path: "spec.ports",
        message: `${listenerName}: Service ${name} has no port ${number ?? "(none)"}`,
      });
      continue;
    }
    listeners.push(
      compiled("listeners", {
        name: listenerName,
        address: { socketAddress: { address: listen.host, portValue: listen.port } },
        filterChains: [
          {
            filters: [
              {
                name: "envoy.filters.network.tcp_proxy",
                typedConfig: {
                  "@type": `type.googleapis.com/${TCP_PROXY}`,
                  statPrefix: "upstream",
                  cluster: serviceClusterName(name, port.port),
                },
              },
            ],
          },
        ],
      }),
    );
  }
  return { listeners, issues };
}
