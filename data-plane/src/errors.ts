// The proxy's one table of error codes: every code a data-plane error carries, what it means (the
// comment on each) and how an operator meets it (PROXY_ERROR_SURFACE). The folders' error classes
// (AdminError, ConfigError, XdsClientError...) carry different context but take their codes from
// here, and all extend ProxyError. This module imports nothing, so every folder may use it.
// Tests assert codes, never message text; a code once published keeps its spelling.

export const ProxyErrorCode = {
  // Start-up: `weft proxy` exits 1 with `weft: CODE: message` on stderr.
  /** The admin address could not be bound (EADDRINUSE, EACCES, EADDRNOTAVAIL...). */
  adminBind: "WEFT_PROXY_ADMIN_BIND",
  /** The access log file (or its folder) could not be created or opened for appending. */
  accessLogOpen: "WEFT_PROXY_ACCESS_LOG_OPEN",
  /** The options given to the xDS client are unusable (no servers, a type subscribed twice). */
  xdsInvalidOptions: "WEFT_XDS_INVALID_OPTIONS",

  // Admin replies: {"error":{"code":"WEFT_ADMIN_...","message":"..."}} with the status below.
  /** No admin endpoint has the path. */
  adminNotFound: "WEFT_ADMIN_NOT_FOUND",
  /** The endpoint takes only GET and HEAD. */
  adminMethodNotAllowed: "WEFT_ADMIN_METHOD_NOT_ALLOWED",
  /** A query parameter has a value the endpoint does not know. */
  adminBadRequest: "WEFT_ADMIN_BAD_REQUEST",
  /** Building the answer failed; the proxy's log has the error. */
  adminInternal: "WEFT_ADMIN_INTERNAL",

  // Config the proxy refuses: the xDS response is NACKed, its error_detail naming the resource and
  // field; the proxy logs a warning with the code, GET /v1/proxies shows the type NACKED.
  /** A typed_config (or other Any) does not decode as the type it claims, or names an unknown type. */
  configMalformed: "WEFT_PROXY_CONFIG_MALFORMED",
  /** A field the proxy needs is absent or empty. */
  configMissingField: "WEFT_PROXY_CONFIG_MISSING_FIELD",
  /** An address that is not a TCP socket address with an IP literal and a port in 1-65535. */
  configInvalidAddress: "WEFT_PROXY_CONFIG_INVALID_ADDRESS",
  /** A listener with api_listener set: that is for gRPC clients, not for a proxy. */
  configApiListener: "WEFT_PROXY_CONFIG_API_LISTENER",
  /** A network or HTTP filter type the proxy does not implement. */
  configUnsupportedFilter: "WEFT_PROXY_CONFIG_UNSUPPORTED_FILTER",
  /** A filter chain without exactly one terminal filter (HCM or TcpProxy) in last place. */
  configInvalidFilterChain: "WEFT_PROXY_CONFIG_INVALID_FILTER_CHAIN",
  /** An HTTP filter chain whose last filter is not the router, or that has none. */
  configRouterNotLast: "WEFT_PROXY_CONFIG_ROUTER_NOT_LAST",
  /** A config source other than ADS (RDS or EDS over a separate stream, path or REST). */
  configUnsupportedConfigSource: "WEFT_PROXY_CONFIG_UNSUPPORTED_CONFIG_SOURCE",
  /** A negative, out-of-range or zero-where-forbidden duration. */
  configInvalidDuration: "WEFT_PROXY_CONFIG_INVALID_DURATION",
  /** A cluster discovery type the proxy does not run (ORIGINAL_DST, custom cluster types). */
  configUnsupportedClusterType: "WEFT_PROXY_CONFIG_UNSUPPORTED_CLUSTER_TYPE",
  /** A load-balancing policy the proxy does not run (MAGLEV, CLUSTER_PROVIDED, load_balancing_policy). */
  configUnsupportedLbPolicy: "WEFT_PROXY_CONFIG_UNSUPPORTED_LB_POLICY",
  /** A feature the proxy does not implement (HTTP/3 codec, TLS transport sockets, several filter chains...). */
  configUnsupportedFeature: "WEFT_PROXY_CONFIG_UNSUPPORTED_FEATURE",
  /** A weight of zero, or weighted clusters that sum to zero. */
  configInvalidWeight: "WEFT_PROXY_CONFIG_INVALID_WEIGHT",
  /** A route configuration the router refuses to compile (e.g. a safe_regex that does not compile). */
  configInvalidRouteConfig: "WEFT_PROXY_CONFIG_INVALID_ROUTE_CONFIG",
  /** A response whose type URL is none of the four resource types. */
  configUnsupportedResourceType: "WEFT_PROXY_CONFIG_UNSUPPORTED_RESOURCE_TYPE",
  /** A number outside its allowed range (a threshold of 0, a percentage above 100, a status range outside 100-599). */
  configInvalidValue: "WEFT_PROXY_CONFIG_INVALID_VALUE",
  /** An Any in a response does not hold the response's type (docs/xds-protocol.md #15). */
  xdsTypeMismatch: "WEFT_XDS_TYPE_MISMATCH",
  /** An Any in a response does not decode. */
  xdsMalformedResource: "WEFT_XDS_MALFORMED_RESOURCE",
  /** One response names the same resource twice (docs/xds-protocol.md #14). */
  xdsDuplicateResource: "WEFT_XDS_DUPLICATE_RESOURCE",
  /** A resource has no name. */
  xdsUnnamedResource: "WEFT_XDS_UNNAMED_RESOURCE",
  /** A handler refused a resource (e.g. a listener whose address cannot be bound); the cause says why. */
  xdsRejected: "WEFT_XDS_REJECTED",
  /** A listener's address could not be bound (EADDRINUSE, EACCES, EADDRNOTAVAIL...). */
  listenerBind: "WEFT_PROXY_LISTENER_BIND",
  /** A `safe_regex` pattern does not compile as a JavaScript "u" RegExp (NACKed as WEFT_PROXY_CONFIG_INVALID_ROUTE_CONFIG). */
  routerInvalidRegex: "WEFT_ROUTER_INVALID_REGEX",

  // The forwarding path: these end an upstream exchange and never reach a client as codes; the
  // client gets the local reply (status, response flag) the exchange chooses for the failure.
  /** The downstream client went away, or the attempt was given up (retry, per-try timeout). */
  downstreamGone: "WEFT_PROXY_DOWNSTREAM_GONE",
  /** An HTTP/2 upstream connection did not complete within the cluster's connect_timeout (503, flag UF). */
  connectTimeout: "WEFT_PROXY_CONNECT_TIMEOUT",
  /** The HTTP/2 session pool was closed, or a session closed before a stream could open on it. */
  sessionsClosed: "WEFT_PROXY_SESSIONS_CLOSED",

  // Upstream discovery: logged as the `reason` of the warning, the last good addresses kept.
  /** A DNS name resolved, but to no address of the cluster's dns_lookup_family. */
  dnsNoAddress: "WEFT_PROXY_DNS_NO_ADDRESS",

  // TLS transport sockets.
  /**
   * A TLS context cannot be made: a secret it names has not arrived over SDS, or a certificate,
   * key or root does not read or parse. Logged; the listener refuses handshakes, the cluster's
   * connections fail (503, flag UF), until it can.
   */
  tlsUnavailable: "WEFT_PROXY_TLS_UNAVAILABLE",

  // The sidecar's registration with the control plane (weft.registry.v1.Registration).
  /** The control plane refused the registration (INVALID_ARGUMENT or another status not worth retrying); the message has its WEFT_ code and field paths. */
  sidecarRegistrationRefused: "WEFT_SIDECAR_REGISTRATION_REFUSED",
  /** The registration client was closed, or a deregistration's deadline passed, before the control plane answered. */
  sidecarRegistrationCancelled: "WEFT_SIDECAR_REGISTRATION_CANCELLED",
} as const;

export type ProxyErrorCode = (typeof ProxyErrorCode)[keyof typeof ProxyErrorCode];

/** How an operator meets a code. */
export type ProxyErrorSurface =
  /** `weft proxy` does not start: exit status 1, `weft: CODE: message` on stderr. */
  | { readonly via: "start-up" }
  /** An admin endpoint's JSON error reply with this HTTP status. */
  | { readonly via: "admin-reply"; readonly httpStatus: number }
  /** A NACK whose error_detail has this google.rpc.Code and names the resource and field. */
  | { readonly via: "nack"; readonly grpcStatus: number }
  /** Ends an upstream exchange; the client sees the exchange's local reply, not the code. */
  | { readonly via: "forwarding" }
  /** A warning log line (`reason`); nothing stops. */
  | { readonly via: "log" };

const START_UP = { via: "start-up" } as const;
/** google.rpc.Code INVALID_ARGUMENT, the code of every NACK's error_detail (docs/xds-protocol.md #3). */
const NACK = { via: "nack", grpcStatus: 3 } as const;
const FORWARDING = { via: "forwarding" } as const;

/** Every code's surface; typed as a complete record, so a new code without one fails the type check. */
export const PROXY_ERROR_SURFACE: Readonly<Record<ProxyErrorCode, ProxyErrorSurface>> = {
  [ProxyErrorCode.adminBind]: START_UP,
  [ProxyErrorCode.accessLogOpen]: START_UP,
  [ProxyErrorCode.xdsInvalidOptions]: START_UP,
  [ProxyErrorCode.adminNotFound]: { via: "admin-reply", httpStatus: 404 },
  [ProxyErrorCode.adminMethodNotAllowed]: { via: "admin-reply", httpStatus: 405 },
  [ProxyErrorCode.adminBadRequest]: { via: "admin-reply", httpStatus: 400 },
  [ProxyErrorCode.adminInternal]: { via: "admin-reply", httpStatus: 500 },
  [ProxyErrorCode.configMalformed]: NACK,
  [ProxyErrorCode.configMissingField]: NACK,
  [ProxyErrorCode.configInvalidAddress]: NACK,
  [ProxyErrorCode.configApiListener]: NACK,
  [ProxyErrorCode.configUnsupportedFilter]: NACK,
  [ProxyErrorCode.configInvalidFilterChain]: NACK,
  [ProxyErrorCode.configRouterNotLast]: NACK,
  [ProxyErrorCode.configUnsupportedConfigSource]: NACK,
  [ProxyErrorCode.configInvalidDuration]: NACK,
  [ProxyErrorCode.configUnsupportedClusterType]: NACK,
  [ProxyErrorCode.configUnsupportedLbPolicy]: NACK,
  [ProxyErrorCode.configUnsupportedFeature]: NACK,
  [ProxyErrorCode.configInvalidWeight]: NACK,
  [ProxyErrorCode.configInvalidRouteConfig]: NACK,
  [ProxyErrorCode.configUnsupportedResourceType]: NACK,
  [ProxyErrorCode.configInvalidValue]: NACK,
  [ProxyErrorCode.xdsTypeMismatch]: NACK,
  [ProxyErrorCode.xdsMalformedResource]: NACK,
  [ProxyErrorCode.xdsDuplicateResource]: NACK,
  [ProxyErrorCode.xdsUnnamedResource]: NACK,
  [ProxyErrorCode.xdsRejected]: NACK,
  [ProxyErrorCode.listenerBind]: NACK,
  [ProxyErrorCode.routerInvalidRegex]: NACK,
  [ProxyErrorCode.downstreamGone]: FORWARDING,
  [ProxyErrorCode.connectTimeout]: FORWARDING,
  [ProxyErrorCode.sessionsClosed]: FORWARDING,
  [ProxyErrorCode.dnsNoAddress]: { via: "log" },
  [ProxyErrorCode.tlsUnavailable]: { via: "log" },
  [ProxyErrorCode.sidecarRegistrationRefused]: START_UP,
  [ProxyErrorCode.sidecarRegistrationCancelled]: { via: "log" },
};

/** The admin reply status of `code`; 500 for a code that is not an admin reply's (a bug). */
export function adminHttpStatusOf(code: ProxyErrorCode): number {
  const surface = PROXY_ERROR_SURFACE[code];
  return surface.via === "admin-reply" ? surface.httpStatus : 500;
}

/**
 * The google.rpc.Code of the NACK an error with `code` causes. An error without a NACK's code (a
 * handler's plain Error, or one from another folder) is NACKed as WEFT_XDS_REJECTED is.
 */
export function nackGrpcStatusOf(code: string | undefined): number {
  const surface =
    code !== undefined && Object.hasOwn(PROXY_ERROR_SURFACE, code)
      ? PROXY_ERROR_SURFACE[code as ProxyErrorCode]
      : PROXY_ERROR_SURFACE[ProxyErrorCode.xdsRejected];
  return surface.via === "nack" ? surface.grpcStatus : NACK.grpcStatus;
}

/** The base of every data-plane error: a registered code, and the message and cause. */
export class ProxyError<C extends ProxyErrorCode = ProxyErrorCode> extends Error {
  override readonly name: string = "ProxyError";
  readonly code: C;

  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
