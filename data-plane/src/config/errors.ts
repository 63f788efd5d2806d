// The proxy config layer's error codes, from the proxy's registry (../errors.ts). Each ConfigError
// names the resource and the field path at fault; its message is what the xDS client sends back as
// a NACK's error_detail.
import type { KindEntry } from "../../../proto/index.js";
import { ProxyError, ProxyErrorCode } from "../errors.js";

export const ConfigErrorCode = {
  malformed: ProxyErrorCode.configMalformed,
  missingField: ProxyErrorCode.configMissingField,
  invalidAddress: ProxyErrorCode.configInvalidAddress,
  apiListener: ProxyErrorCode.configApiListener,
  unsupportedFilter: ProxyErrorCode.configUnsupportedFilter,
  invalidFilterChain: ProxyErrorCode.configInvalidFilterChain,
  routerNotLast: ProxyErrorCode.configRouterNotLast,
  unsupportedConfigSource: ProxyErrorCode.configUnsupportedConfigSource,
  invalidDuration: ProxyErrorCode.configInvalidDuration,
  unsupportedClusterType: ProxyErrorCode.configUnsupportedClusterType,
  unsupportedLbPolicy: ProxyErrorCode.configUnsupportedLbPolicy,
  unsupportedFeature: ProxyErrorCode.configUnsupportedFeature,
  invalidWeight: ProxyErrorCode.configInvalidWeight,
  invalidRouteConfig: ProxyErrorCode.configInvalidRouteConfig,
  unsupportedResourceType: ProxyErrorCode.configUnsupportedResourceType,
  invalidValue: ProxyErrorCode.configInvalidValue,
} as const;

export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** The resource type at fault; "response" for a fault of the response as a whole (its type URL). */
export type ResourceKind = KindEntry["snakeName"] | "secret" | "response";

export class ConfigError extends ProxyError<ConfigErrorCode> {
  override readonly name = "ConfigError";
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
    super(code, `${where.kind} "${where.name}": ${where.field === "" ? "" : `${where.field}: `}${detail}`, options);
    this.resourceKind = where.kind;
    this.resourceName = where.name;
    this.field = where.field;
    this.detail = detail;
  }
}
