// Checks of the envoy.config.core.v3 and envoy.type.v3 pieces that several kinds share: addresses
// (the shared rule in proto/checks), config sources, header mutations, HTTP protocol options and percentages.
import { checkAddress as addressProblems, type HostRule, parseIp } from "../../../proto/checks/index.js";
import type { Address, CidrRange } from "../../../proto/gen/envoy/config/core/v3/address.js";
import {
  type HeaderValueOption,
  HeaderValueOption_HeaderAppendAction,
} from "../../../proto/gen/envoy/config/core/v3/base.js";
import { ApiVersion, type ConfigSource } from "../../../proto/gen/envoy/config/core/v3/config_source.js";
import type { Http2ProtocolOptions, HttpProtocolOptions } from "../../../proto/gen/envoy/config/core/v3/protocol.js";
import {
  type FractionalPercent,
  FractionalPercent_DenominatorType,
  type Percent,
} from "../../../proto/gen/envoy/type/v3/percent.js";
import { checkDuration, NON_NEGATIVE, ONE_MS } from "./duration-checks.js";
import { field, item, type Problems } from "./problems.js";
import { ValidationCode } from "./validation-codes.js";

export const UINT32_MAX = 0xffff_ffff;
const INT32_MAX = 0x7fff_ffff;

export type { HostRule } from "../../../proto/checks/index.js";

/** An Address that must be a socket address with a host and a port in 1-65535 (proto/checks). */
export function checkAddress(problems: Problems, path: string, address: Address | undefined, host: HostRule): void {
  problems.addChecked(addressProblems(path, address, host));
}

/** Where RDS or EDS config comes from: Weft serves everything over the ADS stream the client opened. */
export function checkConfigSource(problems: Problems, path: string, source: ConfigSource | undefined): void {
  if (source === undefined) {
    problems.add(path, ValidationCode.required, "a config_source with ads: {} or self: {} is required");
    return;
  }
  if (source.ads === undefined && source.self === undefined) {
    problems.add(path, ValidationCode.required, "must set ads: {} or self: {}; Weft serves resources over ADS only");
  }
  checkDuration(problems, field(path, "initial_fetch_timeout"), source.initialFetchTimeout, NON_NEGATIVE);
  if (source.resourceApiVersion === ApiVersion.V2) {
    problems.add(
      field(path, "resource_api_version"),
      ValidationCode.unsupported,
      "the v2 xDS API is not served; use V3",
    );
  }
  if (source.self?.transportApiVersion === ApiVersion.V2) {
    problems.add(
      field(path, "self.transport_api_version"),
      ValidationCode.unsupported,
      "the v2 xDS API is not served; use V3",
    );
  }
}

/** An integer field bounded on both sides (ports, weights, window sizes). */
export function checkRange(
  problems: Problems,
  path: string,
  value: number | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined) return;
  if (!(value >= min && value <= max)) {
    problems.add(path, ValidationCode.outOfRange, `is ${value}; must be between ${min} and ${max}`);
  }
}

/** RFC 9110 `token`: the characters a header field name may hold. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_BYTES_MAX = 16384;

/** A header name: a token, or, where `pseudo` allows, `:` followed by one (`:authority`). */
export function checkHeaderName(problems: Problems, path: string, name: string, pseudo: boolean): boolean {
  if (name === "") {
    problems.add(path, ValidationCode.required, "a header name is required");
    return false;
  }
  const bare = pseudo && name.startsWith(":") ? name.slice(1) : name;
  if (!TOKEN.test(bare)) {
    problems.add(
      path,
      ValidationCode.badHeader,
      `"${name}" is not a valid header name (RFC 9110 token characters only)`,
    );
    return false;
  }
  return true;
}

/** A value that goes into a header (or the request line): no NUL, CR or LF, at most 16 KiB. */
export function checkHeaderValue(problems: Problems, path: string, value: string): void {
  if (/[\0\r\n]/.test(value)) {
    problems.add(path, ValidationCode.badHeader, "must not contain NUL, CR or LF");
  } else if (Buffer.byteLength(value) > HEADER_BYTES_MAX) {
    problems.add(path, ValidationCode.outOfRange, `is longer than ${HEADER_BYTES_MAX} bytes`);
  }
}

/** Envoy refuses to add, overwrite or remove pseudo-headers and `host` ("may not be modified"). */
function checkModifiable(problems: Problems, path: string, name: string): void {
  if (name.startsWith(":") || name.toLowerCase() === "host") {
    problems.add(path, ValidationCode.badHeader, `"${name}": ':'-prefixed and host headers may not be modified`);
  }
}

export function checkHeadersToAdd(problems: Problems, path: string, options: readonly HeaderValueOption[]): void {
  if (options.length > 1000) problems.add(path, ValidationCode.outOfRange, "holds more than 1000 headers");
  options.forEach((option, i) => {
    const at = item(path, i);
    const header = option.header;
    if (header === undefined) {
      problems.add(field(at, "header"), ValidationCode.required, "a header (key and value) is required");
    } else {
      if (checkHeaderName(problems, field(at, "header.key"), header.key, true)) {
        checkModifiable(problems, field(at, "header.key"), header.key);
      }
      checkHeaderValue(problems, field(at, "header.value"), header.value);
      if (header.value !== "" && header.rawValue.length > 0) {
        problems.add(field(at, "header.raw_value"), ValidationCode.conflict, "set only one of value and raw_value");
      } else if (header.rawValue.length > HEADER_BYTES_MAX) {
        problems.add(
          field(at, "header.raw_value"),
          ValidationCode.outOfRange,
          `is longer than ${HEADER_BYTES_MAX} bytes`,
        );
      }
    }
    if (
      option.append !== undefined &&
      option.appendAction !== HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
    ) {
      problems.add(
        field(at, "append_action"),
        ValidationCode.conflict,
        "the deprecated append and append_action cannot both be set",
      );
    }
  });
}

export function checkHeadersToRemove(problems: Problems, path: string, names: readonly string[]): void {
  names.forEach((name, i) => {
    if (checkHeaderName(problems, item(path, i), name, true)) checkModifiable(problems, item(path, i), name);
  });
}

/** envoy.config.core.v3.HttpProtocolOptions (common to HTTP/1 and HTTP/2). */
export function checkCommonHttpProtocolOptions(
  problems: Problems,
  path: string,
  options: HttpProtocolOptions | undefined,
): void {
  if (options === undefined) return;
  checkDuration(problems, field(path, "idle_timeout"), options.idleTimeout, NON_NEGATIVE);
  checkDuration(problems, field(path, "max_connection_duration"), options.maxConnectionDuration, NON_NEGATIVE);
  checkDuration(problems, field(path, "max_stream_duration"), options.maxStreamDuration, NON_NEGATIVE);
  checkRange(problems, field(path, "max_headers_count"), options.maxHeadersCount, 1, UINT32_MAX);
}

export function checkHttp2ProtocolOptions(
  problems: Problems,
  path: string,
  options: Http2ProtocolOptions | undefined,
): void {
  if (options === undefined) return;
  checkRange(problems, field(path, "max_concurrent_streams"), options.maxConcurrentStreams, 1, INT32_MAX);
  checkRange(problems, field(path, "initial_stream_window_size"), options.initialStreamWindowSize, 65535, INT32_MAX);
  checkRange(
    problems,
    field(path, "initial_connection_window_size"),
    options.initialConnectionWindowSize,
    65535,
    INT32_MAX,
  );
  const keepalive = options.connectionKeepalive;
  if (keepalive !== undefined) {
    const at = field(path, "connection_keepalive");
    checkDuration(problems, field(at, "interval"), keepalive.interval, { min: ONE_MS });
    checkDuration(problems, field(at, "timeout"), keepalive.timeout, { required: true, min: ONE_MS });
    checkDuration(problems, field(at, "connection_idle_interval"), keepalive.connectionIdleInterval, { min: ONE_MS });
    checkPercent(problems, field(at, "interval_jitter"), keepalive.intervalJitter);
  }
}

/** envoy.type.v3.Percent: 0 to 100. */
export function checkPercent(problems: Problems, path: string, percent: Percent | undefined): void {
  if (percent === undefined) return;
  if (!(percent.value >= 0 && percent.value <= 100)) {
    problems.add(field(path, "value"), ValidationCode.outOfRange, `is ${percent.value}; must be between 0 and 100`);
  }
}

const DENOMINATORS: ReadonlyMap<number, number> = new Map([
  [FractionalPercent_DenominatorType.HUNDRED, 100],
  [FractionalPercent_DenominatorType.TEN_THOUSAND, 10_000],
  [FractionalPercent_DenominatorType.MILLION, 1_000_000],
]);

/** envoy.type.v3.FractionalPercent: the numerator may not exceed the denominator's scale (100%). */
export function checkFractionalPercent(problems: Problems, path: string, percent: FractionalPercent | undefined): void {
  if (percent === undefined) return;
  const scale = DENOMINATORS.get(percent.denominator);
  if (scale === undefined) {
    problems.add(
      field(path, "denominator"),
      ValidationCode.badValue,
      `${percent.denominator} is not a DenominatorType`,
    );
  } else if (percent.numerator > scale) {
    problems.add(
      field(path, "numerator"),
      ValidationCode.outOfRange,
      `is ${percent.numerator}; above ${scale}, i.e. more than 100%`,
    );
  }
}

/** A string Envoy writes into a request or response line (rewrites, redirects): no NUL, CR or LF. */
export function checkLineSafe(problems: Problems, path: string, value: string | undefined): void {
  if (value !== undefined && /[\0\r\n]/.test(value)) {
    problems.add(path, ValidationCode.badValue, "must not contain NUL, CR or LF");
  }
}

export function checkCidr(problems: Problems, path: string, range: CidrRange): void {
  if (range.addressPrefix === "") {
    problems.add(field(path, "address_prefix"), ValidationCode.required, "an address_prefix is required");
    return;
  }
  const ip = parseIp(range.addressPrefix);
  // A range is of addresses, not of interfaces: a zoned IPv6 literal is no prefix.
  if (ip === undefined || ip.zone !== undefined) {
    problems.add(
      field(path, "address_prefix"),
      ValidationCode.badAddress,
      `"${range.addressPrefix}" is not an IP literal without a zone`,
    );
  } else {
    checkRange(problems, field(path, "prefix_len"), range.prefixLen, 0, ip.bytes.length * 8);
  }
}
