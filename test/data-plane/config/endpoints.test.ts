import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildEndpoints, ConfigErrorCode as Code } from "../../../data-plane/src/config/index.js";
import { assertDeepFrozen, assertRefused } from "./assert-refusal.js";
import { assignment, endpointJson } from "./fixtures.js";

describe("buildEndpoints", () => {
  it("builds localities with priorities, weights and health", () => {
    const built = buildEndpoints(
      assignment({
        cluster_name: "svc-eds",
        endpoints: [
          {
            priority: 0,
            load_balancing_weight: 2,
            lb_endpoints: [
              endpointJson("10.0.0.1", 80, { health_status: "HEALTHY", load_balancing_weight: 3 }),
              endpointJson("10.0.0.2", 80, { health_status: "DRAINING" }),
            ],
          },
          { priority: 1, lb_endpoints: [endpointJson("fd00::1", 8080, { health_status: "UNHEALTHY" })] },
        ],
      }),
    );
    assert.deepEqual(built, {
      clusterName: "svc-eds",
      localities: [
        {
          priority: 0,
          weight: 2,
          endpoints: [
            { host: "10.0.0.1", port: 80, weight: 3, health: "HEALTHY" },
            { host: "10.0.0.2", port: 80, weight: 1, health: "DRAINING" },
          ],
          locality: undefined,
          weightGiven: true,
        },
        {
          priority: 1,
          weight: 1,
          endpoints: [{ host: "fd00::1", port: 8080, weight: 1, health: "UNHEALTHY" }],
          locality: undefined,
          weightGiven: false,
        },
      ],
      overprovisioningFactor: 140,
      weightedPriorityHealth: false,
    });
    assertDeepFrozen(built);
  });

  it("reads the locality's name and the policy's overprovisioning factor", () => {
    const built = buildEndpoints(
      assignment({
        cluster_name: "svc",
        endpoints: [{ locality: { region: "eu", zone: "eu-1" }, lb_endpoints: [endpointJson("10.0.0.1", 80)] }],
        policy: { overprovisioning_factor: 200, weighted_priority_health: true },
      }),
    );
    assert.deepEqual(built.localities[0]?.locality, { region: "eu", zone: "eu-1", subZone: "" });
    assert.equal(built.overprovisioningFactor, 200);
    assert.equal(built.weightedPriorityHealth, true);
  });

  it("refuses an overprovisioning factor of zero", () => {
    assertRefused(
      () =>
        buildEndpoints(
          assignment({
            cluster_name: "svc",
            endpoints: [{ lb_endpoints: [endpointJson("10.0.0.1", 80)] }],
            policy: { overprovisioning_factor: 0 },
          }),
        ),
      Code.invalidWeight,
      "svc",
      "policy.overprovisioning_factor",
    );
  });

  it("refuses a hostname endpoint", () => {
    assertRefused(
      () =>
        buildEndpoints(
          assignment({ cluster_name: "svc", endpoints: [{ lb_endpoints: [endpointJson("db.internal", 5432)] }] }),
        ),
      Code.invalidAddress,
      "svc",
      "endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address",
      /not an IP literal/,
    );
  });

  it("refuses a port out of range and a missing endpoint", () => {
    assertRefused(
      () =>
        buildEndpoints(
          assignment({ cluster_name: "svc", endpoints: [{ lb_endpoints: [endpointJson("10.0.0.1", 0)] }] }),
        ),
      Code.invalidAddress,
      "svc",
      "endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value",
    );
    assertRefused(
      () =>
        buildEndpoints(
          assignment({ cluster_name: "svc", endpoints: [{ lb_endpoints: [{ health_status: "HEALTHY" }] }] }),
        ),
      Code.missingField,
      "svc",
      "endpoints[0].lb_endpoints[0].endpoint",
    );
  });
});
