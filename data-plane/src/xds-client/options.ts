// What an AdsClient is given: where to connect, who it is, what it subscribes to, and the world
// (logger, clock, randomness) injected so tests can pass fakes.
import type { ChannelCredentials, ChannelOptions } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { XdsMessageOf, XdsTypeUrl } from "../../../proto/index.js";
import type { Clock } from "../../../time/index.js";
import type { BackoffPolicy } from "./backoff.js";
import type { DecodedResource } from "./decode-response.js";

/** The node identity sent on the first request of every stream (docs/xds-protocol.md #36). */
export interface NodeIdentity {
  readonly id: string;
  readonly cluster: string;
  /** Becomes the node's metadata Struct: JSON values (a sidecar sends nested ones, docs/mesh.md). */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Sent as user_agent_version; user_agent_name is always "weft". */
  readonly userAgentVersion: string;
}

/**
 * Takes every resource of one response (for LDS and CDS the full state, docs/xds-protocol.md #12; for
 * RDS and EDS possibly only the changed ones). Accepts by returning nothing; rejects by throwing
 * or returning an Error (an XdsClientError naming the resource and field makes a precise NACK).
 * A rejecting handler must have changed nothing, except that it may apply the rest of a response
 * and reject only resources it could not run (Envoy's way for a listener that cannot bind), as
 * long as it holds nothing of what it rejected; the client keeps the last accepted version.
 * In delta mode it gets the type's full current set (what was held, with the response applied);
 * a response that changes nothing is ACKed without calling it, except the type's first.
 */
export type ResourceHandler<M = unknown> = (
  resources: readonly DecodedResource<M>[],
  response: { readonly typeUrl: string; readonly versionInfo: string },
) => undefined | Error | Promise<undefined | Error>;

export interface TypeSubscription {
  readonly typeUrl: string;
  /**
   * True to ask for every resource of the type (Envoy's way for LDS and CDS, docs/xds-protocol.md
   * #11); false to ask only for the names set with `setNames` (RDS, EDS and SDS).
   */
  readonly wildcard: boolean;
  readonly handler: ResourceHandler;
}

/**
 * A subscription to `typeUrl` whose handler is handed that kind's messages. This holds because the
 * client decodes every resource of a response as the message its type URL names (decodeResources)
 * and hands a response only to the subscription for that type URL.
 */
export function typeSubscription<U extends XdsTypeUrl>(
  typeUrl: U,
  wildcard: boolean,
  handler: ResourceHandler<XdsMessageOf<U>>,
): TypeSubscription {
  return { typeUrl, wildcard, handler: handler as ResourceHandler };
}

export interface AdsClientOptions {
  /** Control planes as "host:port", tried in order; a failed stream fails over to the next. */
  readonly servers: readonly string[];
  readonly node: NodeIdentity;
  readonly subscriptions: readonly TypeSubscription[];
  readonly logger: Logger;
  /**
   * The reconnect timer (it keeps the process alive while the control plane is away) and NACK
   * record times; the system clock by default.
   */
  readonly clock?: Clock;
  /** In [0, 1), for backoff jitter (Math.random by default). */
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  /**
   * "sotw" (StreamAggregatedResources, the default) or "delta" (DeltaAggregatedResources). In
   * delta the client keeps each type's resources and still hands the handler the type's full
   * current set, so handlers need not care which is used.
   */
  readonly protocol?: "sotw" | "delta";
  /** Insecure by default (loopback control planes); TLS from control-plane-tls.ts for the TLS xDS port. */
  readonly credentials?: ChannelCredentials;
  /** gRPC channel options of the connection to each server (the TLS server name, control-plane-tls.ts). */
  readonly channelOptions?: ChannelOptions;
}
