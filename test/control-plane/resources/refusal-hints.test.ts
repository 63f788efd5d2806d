// What a refusal offers the user: an Envoy field Weft leaves out is named as unsupported, a slip
// gets the closest name, and an enum refusal names only values Weft would accept.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { clusterType } from "../../../control-plane/src/resources/cluster.js";
import { ValidationCode as V } from "../../../control-plane/src/resources/validation-codes.js";
import type { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { decodeJson, FieldErrorCode } from "../../../proto/index.js";
import {
  assertAccepted,
  assertRefused,
  CLUSTER_AGGREGATE,
  CLUSTER_DNS,
  CLUSTER_EDS,
  edited,
  LISTENER,
  ROUTE,
  refusals,
} from "./fixtures.js";

const HCM = "filter_chains[0].filters[0].typed_config";

describe("resources: Envoy fields outside Weft's subset and misspelt names", () => {
  test("cors on a virtual host is refused as unsupported by Weft, at its path", () => {
    const details = refusals("routes", edited(ROUTE, { "virtual_hosts[0].cors": {} }));
    assert.deepEqual(
      details.map((d) => [d.path, d.code]),
      [["virtual_hosts[0].cors", FieldErrorCode.unsupportedField]],
    );
  });

  test("an Envoy field of a cluster given in lowerCamelCase (lbSubsetConfig) is unsupported too", () => {
    const details = refusals("clusters", edited(CLUSTER_EDS, { lbSubsetConfig: {} }));
    assert.deepEqual(
      details.map((d) => [d.path, d.code]),
      [["lbSubsetConfig", FieldErrorCode.unsupportedField]],
    );
  });

  test("a misspelt field keeps the unknown-field code and carries the suggestion as a detail field", () => {
    const [detail, ...rest] = refusals("clusters", edited(CLUSTER_EDS, { eds_cluster_confg: {} }));
    assert.deepEqual(rest, []);
    assert.equal(detail?.code, FieldErrorCode.unknownField);
    assert.equal(detail?.path, "eds_cluster_confg");
    assert.equal(detail?.suggestion, "eds_cluster_config");
  });

  test("a name far from every field carries no suggestion", () => {
    const [detail] = refusals("clusters", edited(CLUSTER_EDS, { colour: "blue" }));
    assert.equal(detail?.code, FieldErrorCode.unknownField);
    assert.equal(detail !== undefined && "suggestion" in detail, false);
  });

  test("a misspelt enum name carries the accepted value it is closest to", () => {
    const [detail] = refusals("clusters", edited(CLUSTER_EDS, { lb_policy: "LEAST_REQUESTS" }));
    assert.equal(detail?.code, FieldErrorCode.badValue);
    assert.equal(detail?.path, "lb_policy");
    assert.equal(detail?.suggestion, "LEAST_REQUEST");
  });
});

/** Envoy enum values Weft refuses: where, and the values the refusal must name (and no other). */
const refusedValues = [
  {
    kind: "clusters",
    base: CLUSTER_EDS,
    path: "lb_policy",
    refused: ["MAGLEV", "LOAD_BALANCING_POLICY_CONFIG", "CLUSTER_PROVIDED"],
    accepted: ["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH"],
  },
  {
    kind: "clusters",
    base: CLUSTER_EDS,
    path: "type",
    refused: ["ORIGINAL_DST"],
    accepted: ["STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS"],
  },
  {
    kind: "clusters",
    base: CLUSTER_DNS,
    path: "ring_hash_lb_config.hash_function",
    refused: ["MURMUR_HASH_2"],
    accepted: ["XX_HASH"],
  },
  {
    kind: "listeners",
    base: LISTENER,
    path: `${HCM}.codec_type`,
    refused: ["HTTP3"],
    accepted: ["AUTO", "HTTP1", "HTTP2"],
  },
  {
    kind: "listeners",
    base: LISTENER,
    path: "address.socket_address.protocol",
    refused: ["UDP"],
    accepted: ["TCP"],
  },
] as const;

describe("resources: an enum value Weft refuses is answered with only the values it accepts", () => {
  for (const { kind, base, path, refused, accepted } of refusedValues) {
    for (const value of refused) {
      test(`${path} ${value} is unsupported and the refusal names ${accepted.join(", ")} only`, () => {
        const detail = assertRefused(kind, edited(base, { [path]: value }), path, V.unsupported);
        for (const name of accepted) assert.ok(detail.message.includes(name), `${name} offered: ${detail.message}`);
        // The refused value is named once, as the subject; no other refused value is offered.
        const offered = detail.message.slice(detail.message.indexOf(value) + value.length);
        for (const name of refused) assert.ok(!offered.includes(name), `${name} not offered: ${detail.message}`);
      });
    }
  }

  test("CLUSTER_PROVIDED stays accepted on an aggregate cluster, which brings its own balancer", () => {
    assertAccepted("clusters", CLUSTER_AGGREGATE);
  });

  test("a number that is no value of the enum (from the wire) is a bad value, not an unsupported one", () => {
    // JSON refuses such a number itself; a decoded message can still hold one.
    const cluster = { ...decodeJson<Cluster>("envoy.config.cluster.v3.Cluster", CLUSTER_EDS), lbPolicy: 42 };
    const details = clusterType.validate(cluster).map((d) => [d.path, d.code]);
    assert.deepEqual(details, [["lb_policy", V.badValue]]);
  });
});
