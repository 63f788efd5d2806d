import { describe, test } from "node:test";
import { ValidationCode as V } from "../../../control-plane/src/resources/validation-codes.js";
import { TypeUrl } from "../../../proto/index.js";
import {
  API_LISTENER,
  assertAccepted,
  assertRefused,
  edited,
  type Json,
  LISTENER,
  ROUTE,
  ROUTER_FILTER,
} from "./fixtures.js";

const FAULT = "envoy.filters.http.fault";
const HCM = "filter_chains[0].filters[0].typed_config";
const R0 = "virtual_hosts[0].routes[0]";
const PER_ROUTE = `${R0}.typed_per_filter_config["${FAULT}"]`;

/** A fault that delays 10% of requests by 2 s and aborts 5% with 503. */
const HTTP_FAULT: Json = {
  "@type": TypeUrl.httpFault,
  delay: { fixed_delay: "2s", percentage: { numerator: 10, denominator: "HUNDRED" } },
  abort: { http_status: 503, percentage: { numerator: 5 } },
  max_active_faults: 100,
};

const faultFilter = (config: Json = { "@type": TypeUrl.httpFault }) => ({ name: FAULT, typed_config: config });

function routeWithFault(fault: Json): Json {
  return edited(ROUTE, { [`${R0}.typed_per_filter_config`]: { [FAULT]: fault } });
}

describe("the HTTP fault filter in listeners and routes", () => {
  test("a listener may list the fault filter before the router, for proxies and gRPC clients", () => {
    assertAccepted("listeners", edited(LISTENER, { [`${HCM}.http_filters`]: [faultFilter(), ROUTER_FILTER] }));
    assertAccepted(
      "listeners",
      edited(LISTENER, { [`${HCM}.http_filters`]: [faultFilter(HTTP_FAULT), ROUTER_FILTER] }),
    );
    assertAccepted(
      "listeners",
      edited(API_LISTENER, { "api_listener.api_listener.http_filters": [faultFilter(), ROUTER_FILTER] }),
    );
  });

  test("the fault filter after the router is refused as misplaced", () => {
    assertRefused(
      "listeners",
      edited(LISTENER, { [`${HCM}.http_filters`]: [ROUTER_FILTER, faultFilter()] }),
      `${HCM}.http_filters[1]`,
      V.misplaced,
    );
  });

  test("a bad fault in a listener's filter is refused at its path", () => {
    assertRefused(
      "listeners",
      edited(LISTENER, {
        [`${HCM}.http_filters`]: [
          faultFilter({ "@type": TypeUrl.httpFault, abort: { http_status: 700 } }),
          ROUTER_FILTER,
        ],
      }),
      `${HCM}.http_filters[0].typed_config.abort.http_status`,
      V.outOfRange,
    );
  });

  test("routes, virtual hosts and weighted clusters may carry an HTTPFault per filter", () => {
    assertAccepted("routes", routeWithFault(HTTP_FAULT));
    assertAccepted("routes", edited(ROUTE, { "virtual_hosts[0].typed_per_filter_config": { [FAULT]: HTTP_FAULT } }));
    assertAccepted(
      "routes",
      routeWithFault({ "@type": TypeUrl.httpFault, abort: { grpc_status: 14, percentage: { numerator: 100 } } }),
    );
  });

  const refusals: [string, Json, string, V][] = [
    [
      "an HTTP status above 599 is refused",
      { abort: { http_status: 600, percentage: {} } },
      "abort.http_status",
      V.outOfRange,
    ],
    [
      "an HTTP status below 200 is refused",
      { abort: { http_status: 100, percentage: {} } },
      "abort.http_status",
      V.outOfRange,
    ],
    [
      "a gRPC status above 16 is refused",
      { abort: { grpc_status: 17, percentage: {} } },
      "abort.grpc_status",
      V.outOfRange,
    ],
    ["an abort without a status is refused", { abort: { percentage: {} } }, "abort", V.required],
    ["an abort without a percentage is refused", { abort: { http_status: 503 } }, "abort.percentage", V.required],
    ["a delay without a fixed_delay is refused", { delay: { percentage: {} } }, "delay.fixed_delay", V.required],
    ["a delay of zero is refused", { delay: { fixed_delay: "0s", percentage: {} } }, "delay.fixed_delay", V.outOfRange],
    ["a delay without a percentage is refused", { delay: { fixed_delay: "1s" } }, "delay.percentage", V.required],
    [
      "a percentage above its denominator's 100% is refused",
      { delay: { fixed_delay: "1s", percentage: { numerator: 101, denominator: "HUNDRED" } } },
      "delay.percentage.numerator",
      V.outOfRange,
    ],
  ];
  for (const [rule, fault, path, code] of refusals) {
    test(`per route, ${rule}`, () => {
      assertRefused("routes", routeWithFault({ "@type": TypeUrl.httpFault, ...fault }), `${PER_ROUTE}.${path}`, code);
    });
  }

  test("per-route config of another filter type is still refused", () => {
    assertRefused(
      "routes",
      edited(ROUTE, { [`${R0}.typed_per_filter_config`]: { x: { "@type": TypeUrl.router } } }),
      `${R0}.typed_per_filter_config["x"]`,
      V.unsupported,
    );
  });
});
