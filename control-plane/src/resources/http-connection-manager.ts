// The HttpConnectionManager network filter, in a proxy's filter chain or as the api_listener a gRPC
// client reads: route source, HTTP filters (the router last), timeouts and protocol options.

import type { Router } from "../../../proto/gen/envoy/extensions/filters/http/router/v3/router.js";
import type {
  HttpConnectionManager,
  HttpFilter,
} from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.js";
import { typeNameOf } from "../../../proto/index.js";
import {
  checkCommonHttpProtocolOptions,
  checkConfigSource,
  checkHttp2ProtocolOptions,
  checkLineSafe,
  checkRange,
} from "./core-checks.js";
import { checkDuration, NON_NEGATIVE } from "./duration-checks.js";
import { checkEnumValue } from "./enum-checks.js";
import { checkHttpFaultAny, holdsHttpFault } from "./http-fault.js";
import { checkLocalReplyConfig } from "./local-reply.js";
import { field, item, type Problems, unpackChecked } from "./problems.js";
import { checkRbacAny, holdsRbac } from "./rbac.js";
import { checkRouteConfiguration } from "./route.js";
import { ValidationCode } from "./validation-codes.js";

export const HTTP_CONNECTION_MANAGER =
  "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const CODEC_TYPE = `${HTTP_CONNECTION_MANAGER}.CodecType`;
const ROUTER = "envoy.extensions.filters.http.router.v3.Router";

/** The headers Router.strict_check_headers may name. */
const STRICT_CHECK_HEADERS: ReadonlySet<string> = new Set([
  "x-envoy-upstream-rq-timeout-ms",
  "x-envoy-upstream-rq-per-try-timeout-ms",
  "x-envoy-max-retries",
  "x-envoy-retry-grpc-on",
  "x-envoy-retry-on",
]);

/**
 * Checks an HttpConnectionManager at `path`. `apiListener` is true when gRPC clients read it from a
 * Listener's api_listener; they need no stat_prefix, which Envoy requires of a network filter.
 */
export function checkHttpConnectionManager(
  problems: Problems,
  path: string,
  manager: HttpConnectionManager,
  apiListener: boolean,
): void {
  if (!apiListener && manager.statPrefix === "") {
    problems.add(field(path, "stat_prefix"), ValidationCode.required, "a stat_prefix is required");
  }
  checkEnumValue(problems, field(path, "codec_type"), CODEC_TYPE, manager.codecType);
  const { rds, routeConfig } = manager;
  if (rds === undefined && routeConfig === undefined) {
    problems.add(path, ValidationCode.required, "needs rds (a RouteConfiguration by name) or an inline route_config");
  } else if (rds !== undefined && routeConfig !== undefined) {
    problems.add(path, ValidationCode.conflict, "set only one of rds and route_config");
  }
  if (rds !== undefined) {
    if (rds.routeConfigName === "") {
      problems.add(field(path, "rds.route_config_name"), ValidationCode.required, "a route_config_name is required");
    }
    checkConfigSource(problems, field(path, "rds.config_source"), rds.configSource);
  }
  if (routeConfig !== undefined) checkRouteConfiguration(problems, field(path, "route_config"), routeConfig, true);
  checkHttpFilters(problems, field(path, "http_filters"), manager.httpFilters);
  for (const [name, value] of [
    ["stream_idle_timeout", manager.streamIdleTimeout],
    ["request_timeout", manager.requestTimeout],
    ["request_headers_timeout", manager.requestHeadersTimeout],
    ["drain_timeout", manager.drainTimeout],
    ["delayed_close_timeout", manager.delayedCloseTimeout],
  ] as const) {
    checkDuration(problems, field(path, name), value, NON_NEGATIVE);
  }
  checkRange(problems, field(path, "max_request_headers_kb"), manager.maxRequestHeadersKb, 1, 8192);
  checkCommonHttpProtocolOptions(
    problems,
    field(path, "common_http_protocol_options"),
    manager.commonHttpProtocolOptions,
  );
  checkHttp2ProtocolOptions(problems, field(path, "http2_protocol_options"), manager.http2ProtocolOptions);
  checkLineSafe(problems, field(path, "server_name"), manager.serverName);
  checkLineSafe(problems, field(path, "via"), manager.via);
  if (manager.localReplyConfig !== undefined) {
    checkLocalReplyConfig(problems, field(path, "local_reply_config"), manager.localReplyConfig);
  }
  const upgrades = new Map<string, string>();
  manager.upgradeConfigs.forEach((upgrade, i) => {
    const at = item(field(path, "upgrade_configs"), i);
    if (upgrade.upgradeType === "") {
      problems.add(field(at, "upgrade_type"), ValidationCode.required, "an upgrade_type is required");
    } else {
      const key = upgrade.upgradeType.toLowerCase();
      const first = upgrades.get(key);
      if (first === undefined) upgrades.set(key, at);
      else {
        problems.add(
          field(at, "upgrade_type"),
          ValidationCode.duplicate,
          `upgrade "${upgrade.upgradeType}" is already configured at ${first}`,
        );
      }
    }
    // An upgrade's own filter list replaces http_filters for upgraded streams, so it obeys the same rules.
    if (upgrade.filters.length > 0) checkHttpFilters(problems, field(at, "filters"), upgrade.filters);
  });
}

/** Names unique (gRPC NACKs duplicates); the router last, the fault filter (the other one Weft runs) before it. */
function checkHttpFilters(problems: Problems, path: string, filters: readonly HttpFilter[]): void {
  if (filters.length === 0) {
    problems.add(path, ValidationCode.empty, `needs at least one HTTP filter, the router (${ROUTER}) last`);
    return;
  }
  const names = new Map<string, string>();
  const last = filters.length - 1;
  filters.forEach((filter, i) => {
    const at = item(path, i);
    if (filter.name === "") {
      problems.add(field(at, "name"), ValidationCode.required, "a filter name is required");
    } else if (names.has(filter.name)) {
      problems.add(
        field(at, "name"),
        ValidationCode.duplicate,
        `"${filter.name}" is also the name of ${names.get(filter.name)}`,
      );
    } else {
      names.set(filter.name, at);
    }
    const any = filter.typedConfig;
    if (any === undefined) {
      problems.add(field(at, "typed_config"), ValidationCode.required, "a typed_config is required");
      return;
    }
    if (typeNameOf(any.typeUrl) === ROUTER) {
      const router = unpackChecked<Router>(problems, field(at, "typed_config"), any);
      router?.strictCheckHeaders.forEach((header, j) => {
        if (!STRICT_CHECK_HEADERS.has(header)) {
          problems.add(
            item(field(at, "typed_config.strict_check_headers"), j),
            ValidationCode.badValue,
            `"${header}" cannot be strictly checked; one of ${[...STRICT_CHECK_HEADERS].join(", ")}`,
          );
        }
      });
      if (i !== last) {
        problems.add(
          at,
          ValidationCode.misplaced,
          "the router must be the last HTTP filter; filters after it never run",
        );
      }
    } else if (holdsHttpFault(any)) {
      checkHttpFaultAny(problems, field(at, "typed_config"), any);
    } else if (holdsRbac(any)) {
      checkRbacAny(problems, field(at, "typed_config"), any);
    } else if (!filter.isOptional) {
      problems.add(
        field(at, "typed_config"),
        ValidationCode.unsupported,
        `"${any.typeUrl}" is not an HTTP filter Weft runs; only the RBAC filter, the fault filter and the router are (or mark the filter is_optional)`,
      );
    }
  });
  const final = filters[last];
  if (final?.typedConfig !== undefined && typeNameOf(final.typedConfig.typeUrl) !== ROUTER) {
    problems.add(item(path, last), ValidationCode.misplaced, `the last HTTP filter must be the router (${ROUTER})`);
  }
}
