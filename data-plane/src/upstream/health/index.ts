// Active health checking: one HealthChecker per cluster with health_checks.
export { HealthChecker, type HealthCheckerOptions, type HostHealthView } from "./health-checker.js";
export type { HealthTarget } from "./health-target.js";
export { type HealthProbe, type HealthRequest, httpProbe } from "./http-probe.js";
