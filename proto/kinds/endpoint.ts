// ClusterLoadAssignment (EDS): the endpoints of one cluster, named by the cluster (its
// cluster_name is the EDS service name); it names no other resource.
import { ClusterLoadAssignment } from "../gen/envoy/config/endpoint/v3/endpoint.js";
import { defineKind } from "./define-kind.js";

const TYPE_NAME = "envoy.config.endpoint.v3.ClusterLoadAssignment";

export const endpointKind = defineKind({
  names: { kind: "endpoints", typeName: TYPE_NAME, snakeName: "cluster_load_assignment" },
  spoken: { singular: "endpoint", aliases: ["cla"], discoveryService: "EDS" },
  nameField: "cluster_name",
  codec: ClusterLoadAssignment,
  references: () => [],
});
