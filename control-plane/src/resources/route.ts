import type { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import { KINDS } from "./kinds.js";
import type { ResourceType } from "./resource-type.js";

export const routeType: ResourceType<RouteConfiguration> = {
  info: KINDS.routes,
  validate: () => [],
  references: () => [],
};
