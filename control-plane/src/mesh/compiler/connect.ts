// CONNECT on the outbound listener (docs/mesh.md, "CONNECT on the outbound listener"): clients
// such as undici's EnvHttpProxyAgent open a tunnel with `CONNECT catalog:80` before sending their
// requests. In Envoy's terms: the connection manager enables the CONNECT upgrade, each Service's
// virtual host has a connect_matcher route that terminates CONNECT (connect_config) into the
// cluster OUTBOUND_CONNECT_CLUSTER, and that cluster's one endpoint is the outbound listener's own
// address, so the tunnelled bytes come back as a new connection and every request in the tunnel is
// routed by its Host like any other. A name no Service has finds no route: 404 naming the host.
import { parseIp } from "../../../../proto/checks/index.js";
import { type CompiledResource, compiled, type EnvoyJson } from "./compiled-resource.js";
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_ROUTE_TIMEOUT } from "./mesh-defaults.js";
import { OUTBOUND_CONNECT_CLUSTER } from "./names.js";

/** The outbound connection manager's upgrade_configs: CONNECT enabled (every other listener answers it 403). */
export const CONNECT_UPGRADE: readonly EnvoyJson[] = [{ upgradeType: "CONNECT" }];

/** First in each Service port's virtual host: a CONNECT to its name is terminated and looped back. */
export const CONNECT_ROUTE: EnvoyJson = {
  match: { connectMatcher: {} },
  route: {
    cluster: OUTBOUND_CONNECT_CLUSTER,
    // A tunnel lasts as long as its client keeps it; each request inside has its own route's timeout.
    timeout: DEFAULT_ROUTE_TIMEOUT,
    upgradeConfigs: [{ upgradeType: "CONNECT", connectConfig: {} }],
  },
};

/** The cluster whose one endpoint is the outbound listener at `address` (a wildcard bind is reached on loopback). */
export function compileConnectCluster(address: {
  readonly host: string;
  readonly port: number;
}): CompiledResource<"clusters"> {
  const host = address.host === "0.0.0.0" ? "127.0.0.1" : address.host === "::" ? "::1" : address.host;
  const json: EnvoyJson = {
    name: OUTBOUND_CONNECT_CLUSTER,
    type: parseIp(host) !== undefined ? "STATIC" : "STRICT_DNS",
    connectTimeout: DEFAULT_CONNECT_TIMEOUT,
    loadAssignment: {
      clusterName: OUTBOUND_CONNECT_CLUSTER,
      endpoints: [
        {
          locality: {},
          lbEndpoints: [{ endpoint: { address: { socketAddress: { address: host, portValue: address.port } } } }],
        },
      ],
    },
  };
  return compiled("clusters", json);
}
