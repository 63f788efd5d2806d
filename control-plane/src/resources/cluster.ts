import type { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { KINDS } from "./kinds.js";
import type { ResourceType } from "./resource-type.js";

export const clusterType: ResourceType<Cluster> = {
  info: KINDS.clusters,
  validate: () => [],
  references: () => [],
};
