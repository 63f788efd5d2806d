// The registry of sidecar instances: registrations as WorkloadEntries in the store, and their
// removal once a node's xDS stream has been gone for the grace period.
export { entryNameCandidates } from "./entry-name.js";
export {
  type DeregistrationResult,
  InstanceRegistry,
  MAX_BATCH,
  type RegistrationListener,
  type RegistrationResult,
  type RegistryWrite,
  type RegistryWriter,
} from "./instance-registry.js";
export {
  DEFAULT_REGISTRATION_GRACE_MS,
  type LivenessOptions,
  RegistrationLiveness,
  type StreamSource,
} from "./liveness.js";
export {
  checkNodeId,
  HEALTH_ANNOTATION,
  type HealthState,
  parseRegistration,
  type Registration,
  RegistrationBody,
  registeredNodeOf,
  SERVICE_LABEL,
  workloadEntryOf,
} from "./registration.js";
