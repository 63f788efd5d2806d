// All-or-nothing building of one xDS response: every resource becomes a runtime object, or the
// first one that does not is the reason to NACK the response, and nothing changes.
import type { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import type { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import type { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import { TypeUrl } from "../../../proto/index.js";
import { buildCluster, type RuntimeCluster } from "./cluster.js";
import { buildEndpoints, type RuntimeEndpoints } from "./endpoints.js";
import { ConfigError, ConfigErrorCode } from "./errors.js";
import { buildListener, type RuntimeListener } from "./listener.js";
import { buildRouteConfig, type RuntimeRouteConfig } from "./route-config.js";

/** A decoded resource as the xDS client hands it over (structurally its DecodedResource). */
export interface ReceivedResource {
  readonly name: string;
  readonly resource: unknown;
}

export type ConfigSet =
  | { readonly typeUrl: typeof TypeUrl.listener; readonly resources: readonly RuntimeListener[] }
  | { readonly typeUrl: typeof TypeUrl.route; readonly resources: readonly RuntimeRouteConfig[] }
  | { readonly typeUrl: typeof TypeUrl.cluster; readonly resources: readonly RuntimeCluster[] }
  | { readonly typeUrl: typeof TypeUrl.endpoint; readonly resources: readonly RuntimeEndpoints[] };

export type ConfigSetResult =
  | { readonly ok: true; readonly set: ConfigSet }
  | { readonly ok: false; readonly error: ConfigError };

/**
 * Builds every resource of one response of type `typeUrl`. Returns all runtime objects (frozen, in
 * the response's order) or the first ConfigError; other exceptions are bugs and propagate.
 */
export function buildConfigSet(typeUrl: string, resources: readonly ReceivedResource[]): ConfigSetResult {
  try {
    return { ok: true, set: Object.freeze(buildAll(typeUrl, resources)) };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, error };
    throw error;
  }
}

function buildAll(typeUrl: string, resources: readonly ReceivedResource[]): ConfigSet {
  switch (typeUrl) {
    case TypeUrl.listener:
      return { typeUrl, resources: Object.freeze(resources.map((r) => buildListener(r.resource as Listener))) };
    case TypeUrl.route:
      return {
        typeUrl,
        resources: Object.freeze(resources.map((r) => buildRouteConfig(r.resource as RouteConfiguration))),
      };
    case TypeUrl.cluster:
      return { typeUrl, resources: Object.freeze(resources.map((r) => buildCluster(r.resource as Cluster))) };
    case TypeUrl.endpoint:
      return {
        typeUrl,
        resources: Object.freeze(resources.map((r) => buildEndpoints(r.resource as ClusterLoadAssignment))),
      };
    default:
      throw new ConfigError(
        ConfigErrorCode.unsupportedResourceType,
        { kind: "response", name: typeUrl, field: "type_url" },
        `resource type ${JSON.stringify(typeUrl)} is not one the proxy consumes`,
      );
  }
}
