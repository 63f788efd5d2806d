// Cluster (CDS): a set of upstream hosts; an EDS cluster names its ClusterLoadAssignment, an
// aggregate cluster names the clusters it is made of.

import { unpackIfHolds } from "../any.js";
import { item } from "../field-path.js";
import { Cluster, Cluster_DiscoveryType } from "../gen/envoy/config/cluster/v3/cluster.js";
import type { ClusterConfig } from "../gen/envoy/extensions/clusters/aggregate/v3/cluster.js";
import { defineKind } from "./define-kind.js";
import type { ResourceRef } from "./kind.js";

const TYPE_NAME = "envoy.config.cluster.v3.Cluster";
const AGGREGATE_CONFIG = "envoy.extensions.clusters.aggregate.v3.ClusterConfig";

export const clusterKind = defineKind({
  names: { kind: "clusters", typeName: TYPE_NAME, snakeName: "cluster" },
  spoken: { singular: "cluster", aliases: [], discoveryService: "CDS" },
  nameField: "name",
  codec: Cluster,
  references: clusterRefs,
});

function clusterRefs(cluster: Cluster): ResourceRef[] {
  const refs: ResourceRef[] = [];
  if (cluster.clusterType === undefined && cluster.type === Cluster_DiscoveryType.EDS) {
    // EDS asks for eds_cluster_config.service_name, or the cluster's own name when that is empty.
    const service = cluster.edsClusterConfig?.serviceName ?? "";
    if (service !== "") refs.push({ kind: "endpoints", name: service, path: "eds_cluster_config.service_name" });
    else if (cluster.name !== "") refs.push({ kind: "endpoints", name: cluster.name, path: "name" });
  }
  const aggregate = unpackIfHolds<ClusterConfig>(cluster.clusterType?.typedConfig, AGGREGATE_CONFIG);
  aggregate?.clusters.forEach((name, i) => {
    if (name !== "") refs.push({ kind: "clusters", name, path: item("cluster_type.typed_config.clusters", i) });
  });
  return refs;
}
