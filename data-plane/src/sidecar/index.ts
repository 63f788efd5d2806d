// `weft sidecar`: the app's health probe, the registration client, the lifecycle that joins them
// (register once healthy, deregister before draining), and startSidecar, which runs them beside
// the proxy (startProxy).
export {
  APP_HEALTH_DEFAULTS,
  type AppHealth,
  type AppHealthCheck,
  AppHealthProbe,
  type AppHealthProbeOptions,
  appHealthCheckOf,
} from "./app-health.js";
export { SidecarError, SidecarErrorCode } from "./errors.js";
export { holdInboundPort } from "./inbound-port.js";
export {
  DEFAULT_DRAIN_DELAY_MS,
  INBOUND_POLL_MS,
  INBOUND_WAIT_LOG_MS,
  type LifecycleProbe,
  type LifecycleProxy,
  type LifecycleRegistration,
  SidecarLifecycle,
  type SidecarLifecycleOptions,
} from "./lifecycle.js";
export {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_DEREGISTER_DEADLINE_MS,
  type InstanceRegistration,
  type RegistrationClientOptions,
  SidecarRegistrationClient,
} from "./registration-client.js";
export {
  DEFAULT_INBOUND,
  DEFAULT_OUTBOUND,
  defaultNodeId,
  formatHostPort,
  type HostPort,
  instanceRegistration,
  SERVICE_LABEL,
  SIDECAR_METADATA_KEY,
  type SidecarSettings,
  sidecarMetadata,
} from "./settings.js";
export { INBOUND_LISTENER, type RunningSidecar, type SidecarOptions, startSidecar } from "./sidecar.js";
export { ROOT_SECRET, WORKLOAD_SECRET, workloadSecrets } from "./workload-secrets.js";
