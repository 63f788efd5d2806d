// Helpers shared by the resource builders: a field-path cursor for error messages, durations,
// socket addresses and Any unpacking.
import { isIP } from "node:net";
import type { Address } from "../../../proto/gen/envoy/config/core/v3/address.js";
import { SocketAddress_Protocol } from "../../../proto/gen/envoy/config/core/v3/address.js";
import type { ConfigSource } from "../../../proto/gen/envoy/config/core/v3/config_source.js";
import type { Any } from "../../../proto/gen/google/protobuf/any.js";
import type { Duration } from "../../../proto/gen/google/protobuf/duration.js";
import { typeNameOf, unpackAnyAs } from "../../../proto/index.js";
import { ConfigErrorCode as Code, ConfigError, type ConfigErrorCode, type ResourceKind } from "./errors.js";

/** Where the builder is: the resource, and a way to name fields inside it in errors. */
export class Cursor {
  constructor(
    readonly kind: ResourceKind,
    readonly name: string,
  ) {}

  fail(code: ConfigErrorCode, field: string, detail: string, cause?: unknown): never {
    throw new ConfigError(
      code,
      { kind: this.kind, name: this.name, field },
      detail,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** Joins field path segments: `join("a", "b")` is `a.b`; a segment starting with `[` is appended as is. */
export function join(base: string, segment: string): string {
  if (base === "") return segment;
  return segment.startsWith("[") ? base + segment : `${base}.${segment}`;
}

/** Envoy's upper bound for a Duration (google.protobuf.Duration: about 10,000 years). */
const MAX_DURATION_SECONDS = 315_576_000_000;

/**
 * A Duration in whole milliseconds, or `fallback` when absent. Refuses a negative or out-of-range
 * value, and zero when `allowZero` is false.
 */
export function durationMs(
  at: Cursor,
  field: string,
  value: Duration | undefined,
  fallback: number,
  allowZero = true,
): number {
  if (value === undefined) return fallback;
  const { seconds, nanos } = value;
  if (!Number.isInteger(seconds) || !Number.isInteger(nanos) || seconds < 0 || nanos < 0 || nanos > 999_999_999) {
    at.fail(Code.invalidDuration, field, `duration ${seconds}s ${nanos}ns is negative or malformed`);
  }
  if (seconds > MAX_DURATION_SECONDS) at.fail(Code.invalidDuration, field, `duration ${seconds}s is out of range`);
  const ms = seconds * 1000 + Math.floor(nanos / 1_000_000);
  if (!allowZero && ms === 0) at.fail(Code.invalidDuration, field, "duration must be at least 1ms");
  return ms;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * A TCP socket address whose host is an IP literal (or, with `hostnames`, a DNS name for a DNS
 * cluster) and whose port is in 1-65535.
 */
export function socketAddress(at: Cursor, field: string, address: Address | undefined, hostnames = false): HostPort {
  if (address === undefined) at.fail(Code.missingField, field, "an address is required");
  const socket = address.socketAddress;
  if (socket === undefined) {
    at.fail(Code.invalidAddress, join(field, "socket_address"), "only socket addresses are supported (not pipes)");
  }
  const path = join(field, "socket_address");
  if (socket.protocol !== SocketAddress_Protocol.TCP) {
    at.fail(Code.invalidAddress, join(path, "protocol"), "only TCP is supported");
  }
  if (socket.resolverName !== "") {
    at.fail(Code.invalidAddress, join(path, "resolver_name"), "custom resolvers are not supported");
  }
  if (hostnames ? !isHostname(socket.address) : isIP(socket.address) === 0) {
    at.fail(
      Code.invalidAddress,
      join(path, "address"),
      `${JSON.stringify(socket.address)} is not ${hostnames ? "a hostname or " : ""}an IP literal`,
    );
  }
  if (socket.namedPort !== undefined) {
    at.fail(Code.invalidAddress, join(path, "named_port"), "named ports are not supported; use port_value");
  }
  const port = socket.portValue;
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) {
    at.fail(Code.invalidAddress, join(path, "port_value"), `port ${String(port ?? "(unset)")} is not in 1-65535`);
  }
  return { host: socket.address, port };
}

/** An IP literal or a DNS name (letters, digits, hyphens, underscores and dots). */
function isHostname(host: string): boolean {
  return isIP(host) !== 0 || /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/.test(host);
}

/** Refuses a config source that is not ADS (the only stream the proxy opens). */
export function requireAds(at: Cursor, field: string, source: ConfigSource | undefined): void {
  if (source === undefined) at.fail(Code.missingField, field, "a config source is required");
  if (source.ads === undefined) {
    at.fail(Code.unsupportedConfigSource, field, "only ads config sources are supported");
  }
}

/** The type name an Any holds, for messages; `(none)` when it has no URL. */
export function anyTypeName(any: Any): string {
  return typeNameOf(any.typeUrl) ?? "(none)";
}

/** Unpacks an Any that must hold `typeName`, reporting a failure as malformed at `field`. */
export function unpack<T>(at: Cursor, field: string, any: Any, typeName: string): T {
  try {
    return unpackAnyAs<T>(any, typeName);
  } catch (error) {
    return at.fail(
      Code.malformed,
      field,
      `does not decode as ${typeName}: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
}
