// `weft sidecar`'s building blocks: the app's health probe and the registration client. The proxy
// itself is startProxy.
export {
  APP_HEALTH_DEFAULTS,
  type AppHealth,
  type AppHealthCheck,
  AppHealthProbe,
  type AppHealthProbeOptions,
  appHealthCheckOf,
} from "./app-health.js";
export { SidecarError, SidecarErrorCode } from "./errors.js";
export {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_DEREGISTER_DEADLINE_MS,
  type InstanceRegistration,
  type RegistrationClientOptions,
  SidecarRegistrationClient,
} from "./registration-client.js";
