import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type KindName,
  parseResource,
  type ResourceRef,
  referencesOf,
} from "../../../control-plane/src/resources/index.js";
import {
  API_LISTENER,
  CLUSTER_AGGREGATE,
  CLUSTER_DNS,
  CLUSTER_EDS,
  ENDPOINTS,
  edited,
  type Json,
  LISTENER,
  REMOVE,
  ROUTE,
  TCP_LISTENER,
} from "./fixtures.js";

const HCM = "filter_chains[0].filters[0].typed_config";

/** References as parseResource reports them, checked to equal what referencesOf finds in the stored JSON. */
function refs(kind: KindName, doc: Json): readonly ResourceRef[] {
  const parsed = parseResource(kind, doc);
  assert.deepEqual(referencesOf(kind, parsed.json), parsed.references);
  return parsed.references;
}

describe("references", () => {
  test("a listener refers to the route configuration its rds names", () => {
    assert.deepEqual(refs("listeners", LISTENER), [
      { kind: "routes", name: "local_route", path: `${HCM}.rds.route_config_name` },
    ]);
  });

  test("an api_listener refers to its route configuration below the Any", () => {
    assert.deepEqual(refs("listeners", API_LISTENER), [
      { kind: "routes", name: "echo-routes", path: "api_listener.api_listener.rds.route_config_name" },
    ]);
  });

  test("a listener with an inline route configuration refers to the clusters its routes use", () => {
    const doc = edited(LISTENER, {
      [`${HCM}.rds`]: REMOVE,
      [`${HCM}.route_config`]: {
        virtual_hosts: [{ name: "v", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "web" } }] }],
      },
    });
    assert.deepEqual(refs("listeners", doc), [
      { kind: "clusters", name: "web", path: `${HCM}.route_config.virtual_hosts[0].routes[0].route.cluster` },
    ]);
  });

  test("a TCP listener refers to its TcpProxy clusters, weighted ones and the default chain's", () => {
    assert.deepEqual(refs("listeners", TCP_LISTENER), [
      { kind: "clusters", name: "a", path: "filter_chains[0].filters[0].typed_config.cluster" },
      {
        kind: "clusters",
        name: "c1",
        path: "filter_chains[1].filters[0].typed_config.weighted_clusters.clusters[0].name",
      },
      {
        kind: "clusters",
        name: "c2",
        path: "filter_chains[1].filters[0].typed_config.weighted_clusters.clusters[1].name",
      },
      { kind: "clusters", name: "d", path: "default_filter_chain.filters[0].typed_config.cluster" },
    ]);
  });

  test("a route configuration refers to route and weighted clusters, not to cluster_header", () => {
    assert.deepEqual(refs("routes", ROUTE), [
      { kind: "clusters", name: "v2", path: "virtual_hosts[0].routes[0].route.cluster" },
      { kind: "clusters", name: "v1", path: "virtual_hosts[0].routes[1].route.weighted_clusters.clusters[0].name" },
      { kind: "clusters", name: "v2", path: "virtual_hosts[0].routes[1].route.weighted_clusters.clusters[1].name" },
    ]);
  });

  test("an EDS cluster refers to the endpoints named by its service_name", () => {
    assert.deepEqual(refs("clusters", CLUSTER_EDS), [
      { kind: "endpoints", name: "backend-eds", path: "eds_cluster_config.service_name" },
    ]);
  });

  test("an EDS cluster without service_name refers to endpoints of its own name", () => {
    assert.deepEqual(refs("clusters", edited(CLUSTER_EDS, { "eds_cluster_config.service_name": REMOVE })), [
      { kind: "endpoints", name: "backend", path: "name" },
    ]);
  });

  test("an aggregate cluster refers to the clusters it lists", () => {
    assert.deepEqual(refs("clusters", CLUSTER_AGGREGATE), [
      { kind: "clusters", name: "primary", path: "cluster_type.typed_config.clusters[0]" },
      { kind: "clusters", name: "secondary", path: "cluster_type.typed_config.clusters[1]" },
    ]);
  });

  test("a DNS cluster with inline endpoints refers to nothing", () => {
    assert.deepEqual(refs("clusters", CLUSTER_DNS), []);
  });

  test("a cluster load assignment refers to nothing", () => {
    assert.deepEqual(refs("endpoints", ENDPOINTS), []);
  });
});
