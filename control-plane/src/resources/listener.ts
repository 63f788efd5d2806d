import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import { KINDS } from "./kinds.js";
import type { ResourceType } from "./resource-type.js";

export const listenerType: ResourceType<Listener> = {
  info: KINDS.listeners,
  validate: () => [],
  references: () => [],
};
