import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { closestName, editDistance } from "../../proto/closest-name.js";
import { acceptedEnumValues, isAcceptedEnumValue } from "../../proto/enum-support.js";
import { envoyOmittedFields } from "../../proto/gen/envoy-omitted-fields.js";
import {
  decodeJson,
  enumDescriptor,
  type FieldError,
  FieldErrorCode,
  messageDescriptor,
  ProtoError,
  TypeUrl,
} from "../../proto/index.js";
import { omittedEnvoyField } from "../../proto/omitted-fields.js";
import { envoyType, loadEnvoyRoot } from "./envoy-definitions.js";

const ROUTE = "envoy.config.route.v3.RouteConfiguration";
const CLUSTER = "envoy.config.cluster.v3.Cluster";
const LISTENER = "envoy.config.listener.v3.Listener";
const LB_POLICY = "envoy.config.cluster.v3.Cluster.LbPolicy";

/** The field errors decoding `json` as `typeName` produces. */
function fieldErrors(typeName: string, json: unknown): readonly FieldError[] {
  try {
    decodeJson(typeName, json);
  } catch (error) {
    assert.ok(error instanceof ProtoError, `expected a ProtoError, got ${String(error)}`);
    return error.fieldErrors;
  }
  assert.fail("expected an error, but none was thrown");
}

/** The one field error decoding `json` gives. */
function onlyError(typeName: string, json: unknown): FieldError {
  const errors = fieldErrors(typeName, json);
  assert.equal(errors.length, 1, JSON.stringify(errors));
  return errors[0] as FieldError;
}

function route(virtualHost: Record<string, unknown>, routeAction: Record<string, unknown> = {}) {
  return {
    name: "r",
    virtual_hosts: [
      {
        name: "vh",
        domains: ["*"],
        routes: [{ match: { prefix: "/" }, route: { cluster: "c", ...routeAction } }],
        ...virtualHost,
      },
    ],
  };
}

function listenerWithManager(manager: Record<string, unknown>) {
  return {
    name: "l",
    address: { socket_address: { address: "127.0.0.1", port_value: 1 } },
    filter_chains: [
      {
        filters: [
          {
            name: "hcm",
            typed_config: {
              "@type": TypeUrl.httpConnectionManager,
              rds: { route_config_name: "r", config_source: { ads: {} } },
              http_filters: [{ name: "router", typed_config: { "@type": TypeUrl.router } }],
              ...manager,
            },
          },
        ],
      },
    ],
  };
}

describe("JSON codec: a real Envoy field Weft leaves out is unsupported, not unknown", () => {
  test("cors on a VirtualHost is refused as unsupported at its path", () => {
    const error = onlyError(ROUTE, route({ cors: { allow_origin_string_match: [{ exact: "*" }] } }));
    assert.equal(error.code, FieldErrorCode.unsupportedField);
    assert.equal(error.path, "virtual_hosts[0].cors");
    assert.equal(error.suggestion, undefined);
  });

  test("an Envoy field given in lowerCamelCase is unsupported too (RouteAction hedgePolicy)", () => {
    const error = onlyError(ROUTE, route({}, { hedgePolicy: { initial_requests: 2 } }));
    assert.equal(error.code, FieldErrorCode.unsupportedField);
    assert.equal(error.path, "virtual_hosts[0].routes[0].route.hedgePolicy");
  });

  test("an Envoy field inside an Any (the HTTP connection manager's tracing) is unsupported", () => {
    const error = onlyError(LISTENER, listenerWithManager({ stat_prefix: "s", tracing: {} }));
    assert.equal(error.code, FieldErrorCode.unsupportedField);
    assert.equal(error.path, "filter_chains[0].filters[0].typed_config.tracing");
  });

  test("a name no Envoy message has keeps the unknown-field code", () => {
    const error = onlyError(ROUTE, route({ colour: "blue" }));
    assert.equal(error.code, FieldErrorCode.unknownField);
    assert.equal(error.path, "virtual_hosts[0].colour");
    assert.equal(error.suggestion, undefined);
  });

  test("every resource kind's top-level Envoy-only fields are recognised in both spellings", () => {
    assert.equal(omittedEnvoyField(CLUSTER, "lb_subset_config"), "lb_subset_config");
    assert.equal(omittedEnvoyField(CLUSTER, "lbSubsetConfig"), "lb_subset_config");
    assert.equal(omittedEnvoyField(CLUSTER, "lb_policy"), undefined);
    assert.equal(omittedEnvoyField("weft.no.Such", "cors"), undefined);
  });
});

describe("the generated table of Envoy fields outside the subset", () => {
  test("lists exactly the fields of Envoy's message that Weft's message lacks, for every message", () => {
    const envoy = loadEnvoyRoot();
    let checked = 0;
    for (const [typeName, omitted] of Object.entries(envoyOmittedFields)) {
      const ours = messageDescriptor(typeName);
      const theirs = envoyType(envoy, typeName);
      assert.ok(ours && theirs, `${typeName} is in both Weft's subset and Envoy's API`);
      const weftNames = new Set(ours.fields.map((f) => f.name));
      const expected = theirs.fieldsArray.filter((f) => !weftNames.has(f.name)).map((f) => f.name);
      assert.deepEqual(omitted.map(([name]) => name).sort(), expected.sort(), typeName);
      checked++;
    }
    assert.ok(checked > 10, `only ${checked} messages in the table`);
    assert.ok(envoyOmittedFields["envoy.config.route.v3.VirtualHost"]?.some(([name]) => name === "cors"));
  });
});

describe("JSON codec: a misspelt field name gets the closest field as a suggestion", () => {
  test("a snake_case slip is answered with the snake_case field name", () => {
    const error = onlyError(ROUTE, route({ domians: ["*"] }));
    assert.equal(error.code, FieldErrorCode.unknownField);
    assert.equal(error.path, "virtual_hosts[0].domians");
    assert.equal(error.suggestion, "domains");
  });

  test("a lowerCamelCase slip is answered with the lowerCamelCase field name", () => {
    const error = onlyError(LISTENER, listenerWithManager({ statPrefx: "s" }));
    assert.equal(error.code, FieldErrorCode.unknownField);
    assert.equal(error.path, "filter_chains[0].filters[0].typed_config.statPrefx");
    assert.equal(error.suggestion, "statPrefix");
  });

  test("a top-level slip on a cluster (conect_timeout) suggests connect_timeout", () => {
    const error = onlyError(CLUSTER, { name: "c", conect_timeout: "1s" });
    assert.equal(error.path, "conect_timeout");
    assert.equal(error.suggestion, "connect_timeout");
  });

  test("the suggestion is part of the message too, for readers of the message alone", () => {
    const error = onlyError(CLUSTER, { name: "c", conect_timeout: "1s" });
    assert.match(error.message, /"connect_timeout"/);
  });
});

describe("JSON codec: an enum name that is no value lists only the values Weft accepts", () => {
  test("lb_policy names only the four policies Weft runs, and suggests the close one", () => {
    const error = onlyError(CLUSTER, { name: "c", lb_policy: "ROUND_ROBBIN" });
    assert.equal(error.code, FieldErrorCode.badValue);
    assert.equal(error.path, "lb_policy");
    assert.equal(error.suggestion, "ROUND_ROBIN");
    for (const accepted of ["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH"]) {
      assert.ok(error.message.includes(accepted), `${accepted} is offered`);
    }
    for (const refused of ["MAGLEV", "CLUSTER_PROVIDED", "LOAD_BALANCING_POLICY_CONFIG"]) {
      assert.ok(!error.message.includes(refused), `${refused} is not offered: ${error.message}`);
    }
  });

  test("a value in the wrong case is answered with its proper spelling", () => {
    assert.equal(onlyError(CLUSTER, { name: "c", lb_policy: "round_robin" }).suggestion, "ROUND_ROBIN");
  });

  test("a slip of a refused value is never suggested (MAGLEF does not lead to MAGLEV)", () => {
    const error = onlyError(CLUSTER, { name: "c", lb_policy: "MAGLEF" });
    assert.equal(error.code, FieldErrorCode.badValue);
    assert.equal(error.suggestion, undefined);
  });

  test("a cluster type and a codec_type list only accepted values too", () => {
    const type = onlyError(CLUSTER, { name: "c", type: "STRICTDNS" });
    assert.equal(type.path, "type");
    assert.equal(type.suggestion, "STRICT_DNS");
    assert.ok(!type.message.includes("ORIGINAL_DST"), type.message);
    const codec = onlyError(LISTENER, listenerWithManager({ stat_prefix: "s", codec_type: "HTTP_2" }));
    assert.equal(codec.path, "filter_chains[0].filters[0].typed_config.codec_type");
    assert.equal(codec.suggestion, "HTTP2");
    assert.ok(!codec.message.includes("HTTP3"), codec.message);
  });

  test("an enum Weft accepts in full lists all its values (health_status)", () => {
    const error = onlyError("envoy.config.endpoint.v3.LbEndpoint", { health_status: "HEALTHLY" });
    assert.equal(error.suggestion, "HEALTHY");
    for (const value of ["UNKNOWN", "HEALTHY", "UNHEALTHY", "DRAINING", "TIMEOUT", "DEGRADED"]) {
      assert.ok(error.message.includes(value), `${value} is offered`);
    }
  });
});

describe("the table of accepted enum values", () => {
  test("names only enums of Weft's subset and values they have", () => {
    for (const typeName of [
      LB_POLICY,
      "envoy.config.cluster.v3.Cluster.DiscoveryType",
      "envoy.config.cluster.v3.Cluster.RingHashLbConfig.HashFunction",
      "envoy.config.core.v3.SocketAddress.Protocol",
      "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.CodecType",
    ]) {
      const desc = enumDescriptor(typeName);
      assert.ok(desc, `${typeName} is an enum of the subset`);
      const all = desc.values.map((v) => v.name);
      const accepted = acceptedEnumValues(typeName, all);
      assert.ok(accepted.length > 0 && accepted.length < all.length, `${typeName} is narrowed`);
      for (const name of accepted) assert.ok(all.includes(name), `${typeName} has ${name}`);
    }
    assert.equal(isAcceptedEnumValue(LB_POLICY, "MAGLEV"), false);
    assert.equal(isAcceptedEnumValue(LB_POLICY, "RING_HASH"), true);
    assert.equal(isAcceptedEnumValue("envoy.config.core.v3.HealthStatus", "DRAINING"), true);
  });
});

describe("closest names", () => {
  test("edit distance counts a swap of neighbours as one edit", () => {
    assert.equal(editDistance("domains", "domians"), 1);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("same", "same"), 0);
  });

  test("case and separators are ignored; far names and short names need to be close", () => {
    assert.equal(closestName("STAT-PREFIX", ["name", "stat_prefix"]), "stat_prefix");
    assert.equal(closestName("timeuot", ["timeout", "idle_timeout"]), "timeout");
    assert.equal(closestName("colour", ["name", "domains"]), undefined);
    assert.equal(closestName("abc", ["xyz", "ab"]), "ab");
    assert.equal(closestName("abcd", ["abxy"]), undefined);
  });
});
