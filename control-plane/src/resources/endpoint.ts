import type { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import { KINDS } from "./kinds.js";
import type { ResourceType } from "./resource-type.js";

export const endpointType: ResourceType<ClusterLoadAssignment> = {
  info: KINDS.endpoints,
  validate: () => [],
  references: () => [],
};
