// Fault injection: a route rule's ExtensionRef to a FaultInjection becomes Envoy's HTTPFault in
// the typed_per_filter_config of each route the rule compiles to, under the fault filter's name;
// every HTTP connection manager the mesh compiles lists that filter, with an empty HTTPFault (no
// fault unless a route says so), before the router. Weft proxies and gRPC clients read both the
// same way: the route's config replaces the filter's own (docs/mesh.md, "Fault injection").
import { field, item } from "../../../../proto/index.js";
import { FAULT_INJECTION_GROUP, type FaultInjectionSpec, GRPC_STATUS_CODES } from "../kinds/index.js";
import type { EnvoyJson } from "./compiled-resource.js";
import { protoDuration } from "./durations.js";
import type { MeshState } from "./mesh-state.js";

/** The fault filter's name in http_filters, and the key of its per-route config. */
export const FAULT_FILTER_NAME = "envoy.filters.http.fault";

const HTTP_FAULT_TYPE_URL = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";

/** The http_filters entry of the fault filter: it injects nothing until a route's config says so. */
export function faultHttpFilter(): EnvoyJson {
  return { name: FAULT_FILTER_NAME, typedConfig: { "@type": HTTP_FAULT_TYPE_URL } };
}

/** A FaultInjection's spec as Envoy's HTTPFault (an Any, with its type URL). */
export function httpFaultOf(spec: FaultInjectionSpec): EnvoyJson {
  const fault: EnvoyJson = { "@type": HTTP_FAULT_TYPE_URL };
  if (spec.delay !== undefined) {
    fault.delay = {
      fixedDelay: protoDuration(spec.delay.fixedDelay),
      percentage: fractionalPercent(spec.delay.percentage),
    };
  }
  const abort = spec.abort;
  if (abort !== undefined) {
    fault.abort = {
      ...(abort.grpcStatus !== undefined
        ? { grpcStatus: GRPC_STATUS_CODES[abort.grpcStatus] }
        : { httpStatus: abort.httpStatus }),
      percentage: fractionalPercent(abort.percentage),
    };
  }
  return fault;
}

/**
 * Istio's percentage (0 to 100, fractions allowed; absent: 100) as a FractionalPercent: a whole
 * number out of HUNDRED, a fraction out of MILLION (Istio's own precision).
 */
function fractionalPercent(percentage: { readonly value: number } | undefined): EnvoyJson {
  const value = percentage?.value ?? 100;
  if (Number.isInteger(value)) return { numerator: value, denominator: "HUNDRED" };
  return { numerator: Math.round(value * 10_000), denominator: "MILLION" };
}

/** A route filter as both route kinds have it, for what fault injection reads. */
interface ExtensionRefFilter {
  readonly extensionRef?: { readonly group: string; readonly kind: string; readonly name: string } | undefined;
}

/**
 * The typed_per_filter_config for a rule's filters: the fault of its ExtensionRef's
 * FaultInjection, or undefined when it has none. An ExtensionRef naming no FaultInjection is left
 * out with an issue (the rule routes without a fault).
 */
export function faultPerFilterConfig(
  state: MeshState,
  filters: readonly ExtensionRefFilter[],
  issue: (path: string, message: string) => void,
): EnvoyJson | undefined {
  let config: EnvoyJson | undefined;
  filters.forEach((filter, i) => {
    const ref = filter.extensionRef;
    if (ref === undefined || ref.group !== FAULT_INJECTION_GROUP || ref.kind !== "FaultInjection") return;
    const fault = state.faultInjections.get(ref.name);
    if (fault === undefined) {
      issue(
        field(item("filters", i), "extensionRef.name"),
        `names FaultInjection "${ref.name}", which does not exist; the rule routes without a fault`,
      );
      return;
    }
    config = { [FAULT_FILTER_NAME]: httpFaultOf(fault.spec) };
  });
  return config;
}
