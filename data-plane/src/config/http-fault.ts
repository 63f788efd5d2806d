// HTTPFault (Envoy's envoy.filters.http.fault) → RuntimeFault: the fault filter's own config in an
// HCM's http_filters, and its per-route overrides in typed_per_filter_config. Both are compiled
// when the resource arrives, so a bad fault NACKs the listener or route configuration and a
// request reads a compiled fault without decoding anything.

import { POSITIVE } from "../../../proto/checks/index.js";
import type { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import type { FaultDelay } from "../../../proto/gen/envoy/extensions/filters/common/fault/v3/fault.js";
import type { FaultAbort, HTTPFault } from "../../../proto/gen/envoy/extensions/filters/http/fault/v3/fault.js";
import type { FractionalPercent } from "../../../proto/gen/envoy/type/v3/percent.js";
import { FractionalPercent_DenominatorType } from "../../../proto/gen/envoy/type/v3/percent.js";
import type { Any } from "../../../proto/gen/google/protobuf/any.js";
import { anyTypeName, type Cursor, durationMs, join, unpack } from "./common.js";
import { ConfigErrorCode as Code } from "./errors.js";

export const HTTP_FAULT = "envoy.extensions.filters.http.fault.v3.HTTPFault";

/** A share of requests: numerator out of denominator. */
export interface FaultShare {
  readonly numerator: number;
  readonly denominator: number;
}

export interface RuntimeFault {
  readonly delay: { readonly ms: number; readonly share: FaultShare } | undefined;
  /** Exactly one of httpStatus and grpcStatus is set. */
  readonly abort:
    | { readonly httpStatus: number | undefined; readonly grpcStatus: number | undefined; readonly share: FaultShare }
    | undefined;
  /** No new fault while this many are active; Infinity when unset. */
  readonly maxActiveFaults: number;
}

const DENOMINATORS: Readonly<Record<number, number>> = {
  [FractionalPercent_DenominatorType.HUNDRED]: 100,
  [FractionalPercent_DenominatorType.TEN_THOUSAND]: 10_000,
  [FractionalPercent_DenominatorType.MILLION]: 1_000_000,
};

/** Every Any compiled so far (they are immutable once received), for the request path to read. */
const compiledFaults = new WeakMap<Any, RuntimeFault>();

/** Whether `any` holds an HTTPFault. */
export function isHttpFault(any: Any): boolean {
  return anyTypeName(any) === HTTP_FAULT;
}

/** Compiles the HTTPFault in `any`, failing at `field` of the resource `at`. */
export function compileHttpFault(at: Cursor, field: string, any: Any): RuntimeFault {
  const known = compiledFaults.get(any);
  if (known !== undefined) return known;
  const fault = unpack<HTTPFault>(at, field, any, HTTP_FAULT);
  const runtime: RuntimeFault = Object.freeze({
    delay: fault.delay === undefined ? undefined : compileDelay(at, join(field, "delay"), fault.delay),
    abort: fault.abort === undefined ? undefined : compileAbort(at, join(field, "abort"), fault.abort),
    maxActiveFaults: fault.maxActiveFaults ?? Number.POSITIVE_INFINITY,
  });
  compiledFaults.set(any, runtime);
  return runtime;
}

/** The compiled fault of a per-filter config checked when its resource arrived; undefined for another type. */
export function compiledHttpFault(any: Any): RuntimeFault | undefined {
  return compiledFaults.get(any);
}

function compileDelay(at: Cursor, field: string, delay: FaultDelay): RuntimeFault["delay"] {
  if (delay.fixedDelay === undefined)
    at.fail(Code.missingField, join(field, "fixed_delay"), "a fixed_delay is required");
  return Object.freeze({
    ms: durationMs(at, join(field, "fixed_delay"), delay.fixedDelay, 0, POSITIVE),
    share: compileShare(at, join(field, "percentage"), delay.percentage),
  });
}

function compileAbort(at: Cursor, field: string, abort: FaultAbort): RuntimeFault["abort"] {
  const { httpStatus, grpcStatus } = abort;
  if (httpStatus === undefined && grpcStatus === undefined) {
    at.fail(Code.missingField, join(field, "error_type"), "an http_status or a grpc_status is required");
  }
  if (httpStatus !== undefined && (httpStatus < 200 || httpStatus > 599)) {
    at.fail(Code.invalidValue, join(field, "http_status"), `${httpStatus} is not an HTTP status in 200..599`);
  }
  return Object.freeze({
    httpStatus,
    grpcStatus,
    share: compileShare(at, join(field, "percentage"), abort.percentage),
  });
}

/** gRPC clients refuse a fault without a percentage; an absent one is 0%, as in Envoy. */
function compileShare(at: Cursor, field: string, percent: FractionalPercent | undefined): FaultShare {
  if (percent === undefined) return { numerator: 0, denominator: 100 };
  const denominator = DENOMINATORS[percent.denominator];
  if (denominator === undefined) at.fail(Code.invalidValue, join(field, "denominator"), "an unknown denominator");
  return Object.freeze({ numerator: Math.min(percent.numerator, denominator), denominator });
}

/**
 * Compiles every HTTPFault among the route configuration's typed_per_filter_config (its own, its
 * virtual hosts', routes' and weighted clusters'). Other filters' configs are not read.
 */
export function compileRouteFaults(at: Cursor, base: string, config: RouteConfiguration): void {
  const visit = (path: string, configs: { readonly [key: string]: Any }) => {
    for (const [name, any] of Object.entries(configs)) {
      if (isHttpFault(any)) compileHttpFault(at, join(path, `typed_per_filter_config[${JSON.stringify(name)}]`), any);
    }
  };
  visit(base, config.typedPerFilterConfig);
  config.virtualHosts.forEach((host, i) => {
    const hostPath = join(base, `virtual_hosts[${i}]`);
    visit(hostPath, host.typedPerFilterConfig);
    host.routes.forEach((route, j) => {
      const routePath = join(hostPath, `routes[${j}]`);
      visit(routePath, route.typedPerFilterConfig);
      route.route?.weightedClusters?.clusters.forEach((cluster, k) => {
        visit(join(routePath, `route.weighted_clusters.clusters[${k}]`), cluster.typedPerFilterConfig);
      });
    });
  });
}
