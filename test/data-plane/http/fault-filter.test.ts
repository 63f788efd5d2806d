// The fault filter's decisions, without sockets: the config a request reads (override or the
// filter's own), shares drawn from the injected random, delays on injected timers, the abort
// rolled after the delay, max_active_faults; and the config layer refusing bad faults.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RuntimeFault } from "../../../data-plane/src/config/http-fault.js";
import { buildListener, buildRouteConfig, ConfigErrorCode } from "../../../data-plane/src/config/index.js";
import { FAULT_ABORT_BODY, FaultFilter, type FaultTarget } from "../../../data-plane/src/http/fault-filter.js";
import { ResponseFlag } from "../../../data-plane/src/observer/request-observer.js";
import type { RouteDecision } from "../../../data-plane/src/router/index.js";
import { assertRefused } from "../config/assert-refusal.js";
import { httpListener, listener, ROUTER_FILTER, routeConfig } from "../config/fixtures.js";

const FAULT_TYPE = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";
const FAULT = "envoy.filters.http.fault";
type Json = Record<string, unknown>;

/** The fault filter's own config from a listener listing it before the router. */
function filterConfig(fault: Json = {}): { name: string; config: RuntimeFault } {
  const built = buildListener(
    listener(
      httpListener({ http_filters: [{ name: FAULT, typed_config: { "@type": FAULT_TYPE, ...fault } }, ROUTER_FILTER] }),
    ),
  );
  const own = built.http?.fault;
  assert.ok(own, "the listener has a fault filter");
  return own;
}

const abort503 = { abort: { http_status: 503, percentage: { numerator: 100 } } };
const delay2s = { delay: { fixed_delay: "2s", percentage: { numerator: 100 } } };

/** A route table with per-filter faults at the levels given, and the decision for its one route. */
function decided(levels: { config?: Json; host?: Json; route?: Json; weighted?: Json }): {
  table: ReturnType<typeof buildRouteConfig>["routeTable"];
  decision: RouteDecision;
} {
  const per = (fault: Json | undefined) =>
    fault === undefined ? {} : { typed_per_filter_config: { [FAULT]: { "@type": FAULT_TYPE, ...fault } } };
  const built = buildRouteConfig(
    routeConfig({
      name: "r",
      ...per(levels.config),
      virtual_hosts: [
        {
          name: "all",
          domains: ["*"],
          ...per(levels.host),
          routes: [
            {
              match: { prefix: "/" },
              route: { weighted_clusters: { clusters: [{ name: "a", weight: 1, ...per(levels.weighted) }] } },
              ...per(levels.route),
            },
          ],
        },
      ],
    }),
  );
  const decision = built.routeTable.match({ authority: "x", path: "/", headers: new Map() });
  assert.ok(decision);
  return { table: built.routeTable, decision };
}

class FakeTimers {
  readonly pending: { callback: () => void; ms: number }[] = [];
  setTimeout(callback: () => void, ms: number): unknown {
    this.pending.push({ callback, ms });
    return undefined;
  }
  fire(): void {
    const next = this.pending.shift();
    assert.ok(next, "a timer is pending");
    next.callback();
  }
}

class FakeTarget implements FaultTarget {
  done = false;
  readonly flags: ResponseFlag[] = [];
  reply: { status: number; body: string; flag: ResponseFlag; grpcStatus: number | undefined } | undefined;
  flag(flag: ResponseFlag): void {
    this.flags.push(flag);
  }
  localReply(status: number, body: string, flag: ResponseFlag, grpcStatus?: number): void {
    this.reply = { status, body, flag, grpcStatus };
    this.done = true;
  }
}

function filter(fault: Json, random = () => 0, timers = new FakeTimers()): { filter: FaultFilter; timers: FakeTimers } {
  const own = filterConfig(fault);
  return { filter: new FaultFilter({ name: own.name, config: own.config, random, timers }), timers };
}

/** `f.apply` with a proceed that takes no arguments. */
function applied(f: FaultFilter, target: FaultTarget, fault: RuntimeFault, proceed: () => void): boolean {
  return f.apply(target, fault, proceed, undefined, undefined);
}

function ownConfig(f: FaultFilter): RuntimeFault {
  const { table, decision } = decided({});
  return f.configFor(table, decision);
}

describe("fault filter", () => {
  test("an abort answers the request with its HTTP status and the FI flag, and it does not proceed", () => {
    const { filter: f } = filter(abort503);
    const target = new FakeTarget();
    let proceeded = false;
    assert.equal(
      applied(f, target, ownConfig(f), () => {
        proceeded = true;
      }),
      true,
    );
    assert.deepEqual(target.reply, {
      status: 503,
      body: FAULT_ABORT_BODY,
      flag: ResponseFlag.faultInjected,
      grpcStatus: undefined,
    });
    assert.equal(proceeded, false);
  });

  test("a gRPC status abort passes the code for a trailers-only answer", () => {
    const { filter: f } = filter({ abort: { grpc_status: 14, percentage: { numerator: 100 } } });
    const target = new FakeTarget();
    applied(f, target, ownConfig(f), () => {});
    assert.equal(target.reply?.grpcStatus, 14);
  });

  test("a delay holds the request on the injected timers, then it proceeds", () => {
    const { filter: f, timers } = filter(delay2s);
    const target = new FakeTarget();
    let proceeded = 0;
    assert.equal(
      applied(f, target, ownConfig(f), () => proceeded++),
      true,
    );
    assert.deepEqual(target.flags, [ResponseFlag.delayInjected]);
    assert.equal(timers.pending[0]?.ms, 2000);
    assert.equal(proceeded, 0);
    assert.equal(f.active, 1);
    timers.fire();
    assert.equal(proceeded, 1);
    assert.equal(f.active, 0);
  });

  test("the abort is rolled after the delay, so a delayed request can still be aborted", () => {
    const { filter: f, timers } = filter({ ...delay2s, ...abort503 });
    const target = new FakeTarget();
    applied(f, target, ownConfig(f), () => assert.fail("an aborted request does not proceed"));
    assert.equal(target.reply, undefined);
    timers.fire();
    assert.equal((target.reply as FakeTarget["reply"])?.status, 503);
    assert.deepEqual(target.flags, [ResponseFlag.delayInjected]);
  });

  test("a client gone during the delay is neither forwarded nor answered", () => {
    const { filter: f, timers } = filter({ ...delay2s, ...abort503 });
    const target = new FakeTarget();
    applied(f, target, ownConfig(f), () => assert.fail("a closed request does not proceed"));
    target.done = true;
    timers.fire();
    assert.equal(target.reply, undefined);
  });

  test("a share hits when the injected random falls below numerator out of denominator", () => {
    const fault = { abort: { http_status: 500, percentage: { numerator: 5, denominator: "HUNDRED" } } };
    let draw = 0.049;
    const { filter: f } = filter(fault, () => draw);
    assert.equal(
      applied(f, new FakeTarget(), ownConfig(f), () => {}),
      true,
    );
    draw = 0.05;
    assert.equal(
      applied(f, new FakeTarget(), ownConfig(f), () => {}),
      false,
    );
    const million = filter(
      { abort: { http_status: 500, percentage: { numerator: 1, denominator: "MILLION" } } },
      () => 0.0000009,
    );
    assert.equal(
      applied(million.filter, new FakeTarget(), ownConfig(million.filter), () => {}),
      true,
    );
  });

  test("an empty HTTPFault injects nothing and the request goes on at once", () => {
    const { filter: f, timers } = filter({});
    assert.equal(
      applied(f, new FakeTarget(), ownConfig(f), () => {}),
      false,
    );
    assert.equal(timers.pending.length, 0);
  });

  test("no new fault while max_active_faults delays are running", () => {
    const { filter: f, timers } = filter({ ...delay2s, max_active_faults: 1 });
    assert.equal(
      applied(f, new FakeTarget(), ownConfig(f), () => {}),
      true,
    );
    assert.equal(
      applied(f, new FakeTarget(), ownConfig(f), () => {}),
      false,
      "the second request is not delayed",
    );
    timers.fire();
    assert.equal(
      applied(f, new FakeTarget(), ownConfig(f), () => {}),
      true,
    );
  });

  test("the most specific per-filter config wins: weighted cluster, route, virtual host, route configuration", () => {
    const { filter: f } = filter({});
    const status = (levels: Parameters<typeof decided>[0]) => {
      const { table, decision } = decided(levels);
      return f.configFor(table, decision).abort?.httpStatus;
    };
    const at = (code: number) => ({ abort: { http_status: code, percentage: { numerator: 100 } } });
    assert.equal(status({ config: at(501), host: at(502), route: at(503), weighted: at(504) }), 504);
    assert.equal(status({ config: at(501), host: at(502), route: at(503) }), 503);
    assert.equal(status({ config: at(501), host: at(502) }), 502);
    assert.equal(status({ config: at(501) }), 501);
    assert.equal(status({}), undefined, "the filter's own config: no abort");
  });
});

describe("fault filter config", () => {
  test("a listener's fault filter before the router is built; a router before it is refused as not last", () => {
    assert.equal(filterConfig(delay2s).config.delay?.ms, 2000);
    assertRefused(
      () =>
        buildListener(
          listener(
            httpListener({ http_filters: [ROUTER_FILTER, { name: FAULT, typed_config: { "@type": FAULT_TYPE } }] }),
          ),
        ),
      ConfigErrorCode.routerNotLast,
      "ingress",
      "filter_chains[0].filters[0].typed_config.http_filters[0]",
    );
  });

  test("a bad fault in a route's typed_per_filter_config refuses the route configuration at its path", () => {
    assertRefused(
      () => decided({ route: { abort: { http_status: 700, percentage: {} } } }),
      ConfigErrorCode.invalidValue,
      "r",
      `virtual_hosts[0].routes[0].typed_per_filter_config["${FAULT}"].abort.http_status`,
    );
    assertRefused(
      () => decided({ host: { delay: { percentage: {} } } }),
      ConfigErrorCode.missingField,
      "r",
      `virtual_hosts[0].typed_per_filter_config["${FAULT}"].delay.fixed_delay`,
    );
  });

  test("an unset fault percentage is 0%, as in Envoy", () => {
    const { filter: f } = filter({ abort: { http_status: 503 } });
    assert.equal(
      applied(f, new FakeTarget(), ownConfig(f), () => {}),
      false,
    );
  });
});
