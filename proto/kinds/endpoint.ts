// ClusterLoadAssignment (EDS): the endpoints of one cluster, named by the cluster (its
// cluster_name is the EDS service name); it names no other resource.
import { ClusterLoadAssignment } from "../gen/envoy/config/endpoint/v3/endpoint.js";
import { decodeJson } from "../json-decode.js";
import { TYPE_URL_PREFIX } from "../type-name.js";
import type { Kind } from "./kind.js";

const TYPE_NAME = "envoy.config.endpoint.v3.ClusterLoadAssignment";

export const endpointKind = {
  kind: "endpoints",
  typeUrl: `${TYPE_URL_PREFIX}${TYPE_NAME}`,
  typeName: TYPE_NAME,
  messageName: "ClusterLoadAssignment",
  singular: "endpoint",
  aliases: ["cla"],
  discoveryService: "EDS",
  snakeName: "cluster_load_assignment",
  nameField: "cluster_name",
  nameProperty: "clusterName",
  codec: ClusterLoadAssignment,
  fromJson: (json, options) => decodeJson<ClusterLoadAssignment>(TYPE_NAME, json, options),
  nameOf: (assignment) => assignment.clusterName,
  references: () => [],
} as const satisfies Kind<"endpoints", string, ClusterLoadAssignment>;
