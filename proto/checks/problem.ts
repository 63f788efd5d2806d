// What a protocol-level check reports. A check is a pure function of one value and its field path;
// it yields every problem it finds and knows nothing of either plane. Each plane maps a problem's
// code to its own error code: the control plane collects every problem, the proxy stops at the first.

/** Why a check refused a value; each plane's table maps these onto its own codes. */
export const CheckCode = {
  /** The Address message is absent. */
  addressMissing: "address-missing",
  /** An Address holding a pipe (a Unix domain socket) instead of a socket_address. */
  pipeAddress: "pipe-address",
  /** An Address with neither a socket_address nor a pipe. */
  socketAddressMissing: "socket-address-missing",
  /** A socket_address whose host (`address`) is empty. */
  hostMissing: "host-missing",
  /** A host that must be an IP literal and is not. */
  hostNotIp: "host-not-ip",
  /** A host that is neither an IP literal nor a host name. */
  hostNotHostname: "host-not-hostname",
  /** A named_port, which only Envoy's custom resolvers read. */
  namedPort: "named-port",
  /** A socket_address without a port_value. */
  portMissing: "port-missing",
  /** A port outside 1-65535. */
  portOutOfRange: "port-out-of-range",
  /** A socket protocol that is a SocketAddress.Protocol but not TCP. */
  protocolUnsupported: "protocol-unsupported",
  /** A socket protocol number that is no SocketAddress.Protocol at all. */
  protocolUnknown: "protocol-unknown",
  /** A resolver_name (a custom resolver). */
  resolverUnsupported: "resolver-unsupported",
  /** A required Duration that is absent. */
  durationMissing: "duration-missing",
  /** A Duration protobuf itself refuses: nanos outside ±999,999,999 or of another sign than seconds. */
  durationMalformed: "duration-malformed",
  /** A Duration beyond the ±10,000 years protobuf allows. */
  durationOutOfRange: "duration-out-of-range",
  /** A Duration below its field's lower bound (negative, zero where it must elapse, ...). */
  durationBelowMin: "duration-below-min",
} as const;

export type CheckCode = (typeof CheckCode)[keyof typeof CheckCode];

export interface CheckProblem {
  readonly code: CheckCode;
  /** The field at fault, in proto (snake_case) names, below the path the check was given. */
  readonly path: string;
  /** The reason, without the path. */
  readonly detail: string;
}

/** The first problem `problems` yields, without running the rest of the check. */
export function firstProblem(problems: Iterable<CheckProblem>): CheckProblem | undefined {
  for (const problem of problems) return problem;
  return undefined;
}
