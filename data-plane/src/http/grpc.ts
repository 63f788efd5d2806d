// What the proxy needs to know of gRPC over HTTP/2: recognising a gRPC request, its deadline
// (grpc-timeout), and the status a locally generated reply carries.

/** gRPC status codes used by local replies (grpc/grpc doc/statuscodes.md). */
export const GrpcStatus = {
  ok: 0,
  unknown: 2,
  deadlineExceeded: 4,
  permissionDenied: 7,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  unauthenticated: 16,
} as const;

/** A request is gRPC when its content-type is application/grpc or application/grpc+<codec>. */
export function isGrpcContentType(contentType: string | undefined): boolean {
  return contentType?.startsWith("application/grpc") === true;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
};

/**
 * A grpc-timeout value in milliseconds: "TimeoutValue TimeoutUnit", at most 8 ASCII digits then
 * one of H M S m u n (gRPC over HTTP/2, "Requests"). undefined when malformed, which the proxy
 * ignores as Envoy does. A sub-millisecond timeout rounds up to 1 ms so it still expires.
 */
export function parseGrpcTimeout(value: string): number | undefined {
  const digits = value.length - 1;
  if (digits < 1 || digits > 8) return undefined;
  const unit = UNIT_MS[value.charAt(digits)];
  if (unit === undefined) return undefined;
  let amount = 0;
  for (let i = 0; i < digits; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    amount = amount * 10 + d;
  }
  const ms = amount * unit;
  return ms > 0 && ms < 1 ? 1 : Math.ceil(ms);
}

/** The gRPC status for an HTTP status (gRPC's "HTTP to gRPC Status Code Mapping"). */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400:
      return GrpcStatus.internal;
    case 401:
      return GrpcStatus.unauthenticated;
    case 403:
      return GrpcStatus.permissionDenied;
    case 404:
      return GrpcStatus.unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.unavailable;
    default:
      return GrpcStatus.unknown;
  }
}
