// The proxy config layer's error codes. Each ConfigError names the resource and the field path at
// fault; its message is what the xDS client sends back as a NACK's error_detail.

export const ConfigErrorCode = {
  /** A typed_config (or other Any) does not decode as the type it claims, or names an unknown type. */
  malformed: "WEFT_PROXY_CONFIG_MALFORMED",
  /** A field the proxy needs is absent or empty. */
  missingField: "WEFT_PROXY_CONFIG_MISSING_FIELD",
  /** An address that is not a TCP socket address with an IP literal and a port in 1-65535. */
  invalidAddress: "WEFT_PROXY_CONFIG_INVALID_ADDRESS",
  /** A listener with api_listener set: that is for gRPC clients, not for a proxy. */
  apiListener: "WEFT_PROXY_CONFIG_API_LISTENER",
  /** A network or HTTP filter type the proxy does not implement. */
  unsupportedFilter: "WEFT_PROXY_CONFIG_UNSUPPORTED_FILTER",
  /** A filter chain without exactly one terminal filter (HCM or TcpProxy) in last place. */
  invalidFilterChain: "WEFT_PROXY_CONFIG_INVALID_FILTER_CHAIN",
  /** An HTTP filter chain whose last filter is not the router, or that has none. */
  routerNotLast: "WEFT_PROXY_CONFIG_ROUTER_NOT_LAST",
  /** A config source other than ADS (RDS or EDS over a separate stream, path or REST). */
  unsupportedConfigSource: "WEFT_PROXY_CONFIG_UNSUPPORTED_CONFIG_SOURCE",
  /** A negative, out-of-range or zero-where-forbidden duration. */
  invalidDuration: "WEFT_PROXY_CONFIG_INVALID_DURATION",
  /** A cluster discovery type the proxy does not run (ORIGINAL_DST, custom cluster types). */
  unsupportedClusterType: "WEFT_PROXY_CONFIG_UNSUPPORTED_CLUSTER_TYPE",
  /** A load-balancing policy the proxy does not run (MAGLEV, CLUSTER_PROVIDED, load_balancing_policy). */
  unsupportedLbPolicy: "WEFT_PROXY_CONFIG_UNSUPPORTED_LB_POLICY",
  /** A feature the proxy does not implement (HTTP/3 codec, TLS transport sockets, several filter chains...). */
  unsupportedFeature: "WEFT_PROXY_CONFIG_UNSUPPORTED_FEATURE",
  /** A weight of zero, or weighted clusters that sum to zero. */
  invalidWeight: "WEFT_PROXY_CONFIG_INVALID_WEIGHT",
  /** A route configuration the router refuses to compile (e.g. a safe_regex that does not compile). */
  invalidRouteConfig: "WEFT_PROXY_CONFIG_INVALID_ROUTE_CONFIG",
  /** A response whose type URL is none of the four resource types. */
  unsupportedResourceType: "WEFT_PROXY_CONFIG_UNSUPPORTED_RESOURCE_TYPE",
  /** A number outside its allowed range (a threshold of 0, a percentage above 100, a status range outside 100-599). */
  invalidValue: "WEFT_PROXY_CONFIG_INVALID_VALUE",
} as const;

export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** The resource type at fault; "response" for a fault of the response as a whole (its type URL). */
export type ResourceKind = "listener" | "route_configuration" | "cluster" | "cluster_load_assignment" | "response";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code: ConfigErrorCode;
  readonly resourceKind: ResourceKind;
  readonly resourceName: string;
  /** The field path within the resource, in proto (snake_case) names, e.g. `filter_chains[0].filters[0]`. */
  readonly field: string;
  /** The reason alone, without the resource and field prefix. */
  readonly detail: string;

  constructor(
    code: ConfigErrorCode,
    where: { readonly kind: ResourceKind; readonly name: string; readonly field: string },
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${where.kind} "${where.name}": ${where.field === "" ? "" : `${where.field}: `}${detail}`, options);
    this.code = code;
    this.resourceKind = where.kind;
    this.resourceName = where.name;
    this.field = where.field;
    this.detail = detail;
  }
}
