import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { endpointType } from "../../../control-plane/src/resources/endpoint.js";
import { ValidationCode as V } from "../../../control-plane/src/resources/validation-codes.js";
import type { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import { decodeJson } from "../../../proto/index.js";
import { assertAccepted, assertRefused, ENDPOINTS, edited, REMOVE, type RefusalCase } from "./fixtures.js";

const E0 = "endpoints[0].lb_endpoints[0]";
const ADDRESS = `${E0}.endpoint.address`;
const SOCKET = `${ADDRESS}.socket_address`;

function refused(rule: string, edits: Record<string, unknown>, path: string, code: V): RefusalCase {
  return { rule, base: ENDPOINTS, edits, path, code };
}

const cases: RefusalCase[] = [
  refused("an assignment without cluster_name is refused", { cluster_name: "" }, "cluster_name", V.required),
  refused(
    "an lb endpoint without an endpoint is refused",
    { [`${E0}.endpoint`]: REMOVE },
    `${E0}.endpoint`,
    V.required,
  ),
  refused("an endpoint without an address is refused", { [ADDRESS]: REMOVE }, ADDRESS, V.required),
  refused(
    "an endpoint address without socket_address is refused",
    { [ADDRESS]: {} },
    `${ADDRESS}.socket_address`,
    V.required,
  ),
  refused(
    "a pipe endpoint is unsupported",
    { [ADDRESS]: { pipe: { path: "/run/app.sock" } } },
    `${ADDRESS}.pipe`,
    V.unsupported,
  ),
  refused(
    "an EDS endpoint must be an IP literal",
    { [`${SOCKET}.address`]: "app.internal" },
    `${SOCKET}.address`,
    V.badAddress,
  ),
  refused("an endpoint without a host is refused", { [`${SOCKET}.address`]: "" }, `${SOCKET}.address`, V.required),
  refused("an endpoint port of 0 is refused", { [`${SOCKET}.port_value`]: 0 }, `${SOCKET}.port_value`, V.outOfRange),
  refused(
    "an endpoint without a port is refused",
    { [`${SOCKET}.port_value`]: REMOVE },
    `${SOCKET}.port_value`,
    V.required,
  ),
  refused(
    "the same address twice in one assignment is refused",
    { "endpoints[1].lb_endpoints[0].endpoint.address.socket_address.address": "10.0.0.1" },
    "endpoints[1].lb_endpoints[0].endpoint.address",
    V.duplicate,
  ),
  refused(
    "one IPv6 address spelled two ways is a duplicate",
    { [`${SOCKET}.address`]: "fd00:0:0:0:0:0:0:1" },
    "endpoints[1].lb_endpoints[0].endpoint.address",
    V.duplicate,
  ),
  refused(
    "an lb endpoint weight of 0 is refused",
    { [`${E0}.load_balancing_weight`]: 0 },
    `${E0}.load_balancing_weight`,
    V.outOfRange,
  ),
  refused(
    "a locality weight of 0 is refused",
    { "endpoints[0].load_balancing_weight": 0 },
    "endpoints[0].load_balancing_weight",
    V.outOfRange,
  ),
  refused(
    "priority 2 without priority 1 is refused",
    { "endpoints[1].priority": 2 },
    "endpoints[1].priority",
    V.notContiguous,
  ),
  refused(
    "priority 1 without priority 0 is refused, as gRPC clients NACK it",
    { "endpoints[0]": REMOVE },
    "endpoints[0].priority",
    V.notContiguous,
  ),
  refused("a priority above 128 is refused", { "endpoints[1].priority": 129 }, "endpoints[1].priority", V.outOfRange),
  refused(
    "a locality group without a locality is refused, as gRPC clients NACK it",
    { "endpoints[0].locality": REMOVE },
    "endpoints[0].locality",
    V.required,
  ),
  refused(
    "the same locality twice at one priority is refused",
    { "endpoints[1].priority": 0, "endpoints[1].locality.zone": "a" },
    "endpoints[1].locality",
    V.duplicate,
  ),
  refused(
    "locality weights overflowing uint32 at one priority are refused",
    { "endpoints[1].priority": 0, "endpoints[1].load_balancing_weight": 4294967295 },
    "endpoints",
    V.outOfRange,
  ),
  refused(
    "endpoint weights overflowing uint32 in one locality are refused",
    { [`${E0}.load_balancing_weight`]: 4294967295 },
    "endpoints[0].lb_endpoints",
    V.outOfRange,
  ),
  refused(
    "a health check port above 65535 is refused",
    { "endpoints[0].lb_endpoints[1].endpoint.health_check_config.port_value": 70000 },
    "endpoints[0].lb_endpoints[1].endpoint.health_check_config.port_value",
    V.outOfRange,
  ),
  refused(
    "an overprovisioning factor of 0 is refused",
    { "policy.overprovisioning_factor": 0 },
    "policy.overprovisioning_factor",
    V.outOfRange,
  ),
  refused(
    "a drop category without a name is refused",
    { "policy.drop_overloads[0].category": "" },
    "policy.drop_overloads[0].category",
    V.required,
  ),
  refused(
    "a drop percentage above 100% is refused",
    { "policy.drop_overloads[0].drop_percentage.numerator": 101 },
    "policy.drop_overloads[0].drop_percentage.numerator",
    V.outOfRange,
  ),
  refused(
    "a drop percentage within a finer denominator is checked against it",
    { "policy.drop_overloads[0].drop_percentage": { numerator: 1000001, denominator: "MILLION" } },
    "policy.drop_overloads[0].drop_percentage.numerator",
    V.outOfRange,
  ),
  refused(
    "more than one drop category is unsupported, as in Envoy",
    { "policy.drop_overloads[1]": { category: "lb" } },
    "policy.drop_overloads",
    V.unsupported,
  ),
  refused(
    "a zero endpoint_stale_after is refused",
    { "policy.endpoint_stale_after": "0s" },
    "policy.endpoint_stale_after",
    V.outOfRange,
  ),
];

describe("cluster load assignment validation", () => {
  test("an assignment with weighted localities, two priorities and a drop policy is valid", () => {
    assertAccepted("endpoints", ENDPOINTS);
  });

  test("validate() on a decoded valid assignment returns no details", () => {
    const assignment = decodeJson<ClusterLoadAssignment>("envoy.config.endpoint.v3.ClusterLoadAssignment", ENDPOINTS);
    assert.deepEqual(endpointType.validate(assignment), []);
  });

  test("an assignment with no endpoints is valid, so a cluster never waits for one", () => {
    assertAccepted("endpoints", { cluster_name: "empty" });
  });

  test("one address on two ports is not a duplicate", () => {
    assertAccepted(
      "endpoints",
      edited(ENDPOINTS, {
        [`${SOCKET}.port_value`]: 8081,
        "endpoints[0].lb_endpoints[1].endpoint.address.socket_address.address": "10.0.0.1",
      }),
    );
  });

  test("the same locality at two priorities is not a duplicate", () => {
    assertAccepted("endpoints", edited(ENDPOINTS, { "endpoints[1].locality.zone": "a" }));
  });

  for (const c of cases) {
    test(c.rule, () => {
      assertRefused("endpoints", edited(c.base, c.edits), c.path, c.code);
    });
  }
});
