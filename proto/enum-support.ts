// The values Weft accepts of the Envoy enums it does not run in full. Envoy's other values still
// decode (the wire and JSON forms are Envoy's), but the control plane refuses them; every such
// refusal, and the JSON codec's answer to a name that is no value at all, lists only these, so an
// error never offers a value that would be refused in turn.

interface EnumSupport {
  /** The value names Weft accepts, in the order an error lists them. */
  readonly accepted: readonly string[];
  /** Why the others are refused, when there is more to say than "not supported". */
  readonly reason?: string;
}

/** By enum full name; an enum not listed is accepted in full. */
const SUPPORT: ReadonlyMap<string, EnumSupport> = new Map(
  Object.entries({
    "envoy.config.cluster.v3.Cluster.DiscoveryType": { accepted: ["STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS"] },
    // CLUSTER_PROVIDED is accepted for an aggregate cluster only, which brings its own balancer;
    // the cluster check allows it there.
    "envoy.config.cluster.v3.Cluster.LbPolicy": { accepted: ["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH"] },
    "envoy.config.cluster.v3.Cluster.RingHashLbConfig.HashFunction": {
      accepted: ["XX_HASH"],
      reason: "gRPC clients NACK any other hash function",
    },
    "envoy.config.core.v3.SocketAddress.Protocol": { accepted: ["TCP"] },
    "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.CodecType": {
      accepted: ["AUTO", "HTTP1", "HTTP2"],
      reason: "HTTP/3 needs a QUIC listener",
    },
  } satisfies Record<string, EnumSupport>),
);

/** The names of `enumTypeName` Weft accepts: `all` (the enum's names) when the enum is accepted in full. */
export function acceptedEnumValues(enumTypeName: string, all: readonly string[]): readonly string[] {
  return SUPPORT.get(enumTypeName)?.accepted ?? all;
}

/** Whether `name` is a value of `enumTypeName` that Weft accepts (any name, for an enum accepted in full). */
export function isAcceptedEnumValue(enumTypeName: string, name: string): boolean {
  return SUPPORT.get(enumTypeName)?.accepted.includes(name) ?? true;
}

/** "A, B or C". */
export function listOfNames(names: readonly string[], conjunction = "or"): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} ${conjunction} ${names.at(-1)}`;
}

/** Why `name` of `enumTypeName` is refused, naming the values accepted instead. */
export function unsupportedEnumValueMessage(enumTypeName: string, name: string): string {
  const support = SUPPORT.get(enumTypeName);
  if (support === undefined) return `${name} is not supported by Weft`;
  const reason = support.reason === undefined ? "" : ` (${support.reason})`;
  return `${name} is not supported by Weft${reason}; use ${listOfNames(support.accepted)}`;
}
