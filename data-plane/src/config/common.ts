// What the resource builders share: a field-path cursor for error messages, durations and socket
// addresses (by the protocol-level checks both planes run, proto/checks), and Any unpacking.
import {
  admits,
  CheckCode,
  type CheckProblem,
  checkAddress,
  checkDuration,
  type DurationRule,
  firstProblem,
  NON_NEGATIVE,
  ZERO,
} from "../../../proto/checks/index.js";
import type { Address } from "../../../proto/gen/envoy/config/core/v3/address.js";
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

/** The proxy's code for a protocol-level check's refusal: a missing field, or a bad address or duration. */
function configCode(code: CheckCode): ConfigErrorCode {
  switch (code) {
    case CheckCode.addressMissing:
    case CheckCode.durationMissing:
      return Code.missingField;
    case CheckCode.durationMalformed:
    case CheckCode.durationOutOfRange:
    case CheckCode.durationBelowMin:
      return Code.invalidDuration;
    case CheckCode.pipeAddress:
    case CheckCode.socketAddressMissing:
    case CheckCode.hostMissing:
    case CheckCode.hostNotIp:
    case CheckCode.hostNotHostname:
    case CheckCode.namedPort:
    case CheckCode.portMissing:
    case CheckCode.portOutOfRange:
    case CheckCode.protocolUnsupported:
    case CheckCode.protocolUnknown:
    case CheckCode.resolverUnsupported:
      return Code.invalidAddress;
  }
}

/**
 * Throws the first problem a protocol-level check (proto/checks) reports, under `code` or else the
 * proxy's code for it: the proxy NACKs a resource for its first fault.
 */
export function failOnFirst(at: Cursor, problems: Iterable<CheckProblem>, code?: ConfigErrorCode): void {
  const problem = firstProblem(problems);
  if (problem !== undefined) at.fail(code ?? configCode(problem.code), problem.path, problem.detail);
}

/**
 * A Duration in whole milliseconds, or `fallback` when absent; refused unless well formed, within
 * protobuf's range and admitted by `rule`. Where the rule refuses zero, a positive duration below
 * 1ms counts as 1ms, so that it cannot read as "zero" (which many fields take as "disabled").
 */
export function durationMs(
  at: Cursor,
  field: string,
  value: Duration | undefined,
  fallback: number,
  rule: DurationRule = NON_NEGATIVE,
): number {
  failOnFirst(at, checkDuration(field, value, rule));
  if (value === undefined) return fallback;
  const ms = value.seconds * 1000 + Math.floor(value.nanos / 1_000_000);
  return admits(rule, ZERO) ? ms : Math.max(ms, 1);
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * A TCP socket address whose host is an IP literal (or, with `hostnames`, a DNS name for a DNS
 * cluster) and whose port is in 1-65535, by the rule the control plane checks too (proto/checks).
 */
export function socketAddress(at: Cursor, field: string, address: Address | undefined, hostnames = false): HostPort {
  failOnFirst(at, checkAddress(field, address, hostnames ? "ip-or-hostname" : "ip"));
  const socket = address?.socketAddress;
  // checkAddress has refused every address without a socket address and a port_value.
  if (socket?.portValue === undefined) at.fail(Code.invalidAddress, field, "a socket address with a port is required");
  return { host: socket.address, port: socket.portValue };
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
