// All-or-nothing building of one xDS response: every resource becomes a runtime object, or the
// first one that does not is the reason to NACK the response, and nothing changes.
import { isKindTypeUrl, type KindTypeUrl, type MessageOf, TypeUrl } from "../../../proto/index.js";
import { buildCluster, type RuntimeCluster } from "./cluster.js";
import { buildEndpoints, type RuntimeEndpoints } from "./endpoints.js";
import { ConfigError, ConfigErrorCode } from "./errors.js";
import { buildListener, type RuntimeListener } from "./listener.js";
import { buildRouteConfig, type RuntimeRouteConfig } from "./route-config.js";

/** A decoded resource as the xDS client hands it over (structurally its DecodedResource). */
export interface ReceivedResource<M = unknown> {
  readonly name: string;
  readonly resource: M;
}

/** What the proxy builds each kind's resources into. */
interface RuntimeByTypeUrl {
  readonly [TypeUrl.listener]: RuntimeListener;
  readonly [TypeUrl.route]: RuntimeRouteConfig;
  readonly [TypeUrl.cluster]: RuntimeCluster;
  readonly [TypeUrl.endpoint]: RuntimeEndpoints;
}

/** The runtime object a resource of type URL `U` is built into. */
export type RuntimeOf<U extends KindTypeUrl> = RuntimeByTypeUrl[U];

/** Each kind's builder, taking that kind's message: the compiler checks every pair. */
const BUILDERS: { readonly [U in KindTypeUrl]: (message: MessageOf<U>) => RuntimeOf<U> } = {
  [TypeUrl.listener]: buildListener,
  [TypeUrl.route]: buildRouteConfig,
  [TypeUrl.cluster]: buildCluster,
  [TypeUrl.endpoint]: buildEndpoints,
};

export interface ConfigSet<U extends KindTypeUrl = KindTypeUrl> {
  readonly typeUrl: U;
  readonly resources: readonly RuntimeOf<U>[];
}

export type ConfigSetResult<U extends KindTypeUrl = KindTypeUrl> =
  | { readonly ok: true; readonly set: ConfigSet<U> }
  | { readonly ok: false; readonly error: ConfigError };

/**
 * Builds every resource of one response of type `typeUrl`. Returns all runtime objects (frozen, in
 * the response's order) or the first ConfigError; other exceptions are bugs and propagate.
 */
export function buildConfigSet<U extends KindTypeUrl>(
  typeUrl: U,
  resources: readonly ReceivedResource<MessageOf<U>>[],
): ConfigSetResult<U> {
  try {
    return { ok: true, set: Object.freeze(buildAll(typeUrl, resources)) };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, error };
    throw error;
  }
}

function buildAll<U extends KindTypeUrl>(
  typeUrl: U,
  resources: readonly ReceivedResource<MessageOf<U>>[],
): ConfigSet<U> {
  // The type says it is a kind; a caller outside the type system (a response's raw type_url) may still pass another.
  if (!isKindTypeUrl(typeUrl)) {
    throw new ConfigError(
      ConfigErrorCode.unsupportedResourceType,
      { kind: "response", name: typeUrl, field: "type_url" },
      `resource type ${JSON.stringify(typeUrl)} is not one the proxy consumes`,
    );
  }
  const build = BUILDERS[typeUrl];
  return { typeUrl, resources: Object.freeze(resources.map((r) => build(r.resource))) };
}
