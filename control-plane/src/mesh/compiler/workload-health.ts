// The health of a WorkloadEntry, as its endpoints carry it. The registry marks a registered
// sidecar's entry when its app's health changes (docs/mesh.md, "Registration"); an entry written
// by hand is healthy unless its writer marks it. This is the one place the compiler reads it.
import { HEALTH_ANNOTATION } from "../registered-workloads.js";
import type { WorkloadEntryDocument } from "./mesh-state.js";

export { HEALTH_ANNOTATION };

/** EDS health_status names: callers send to HEALTHY endpoints only (DRAINING: no new requests). */
export type WorkloadHealth = "HEALTHY" | "UNHEALTHY" | "DRAINING";

const BY_VALUE: Readonly<Record<string, WorkloadHealth>> = {
  healthy: "HEALTHY",
  unhealthy: "UNHEALTHY",
  draining: "DRAINING",
};

/** An unknown value counts as unhealthy: a mark nobody understands should not attract traffic. */
export function workloadHealth(entry: WorkloadEntryDocument): WorkloadHealth {
  const value = entry.metadata.annotations?.[HEALTH_ANNOTATION];
  if (value === undefined) return "HEALTHY";
  return BY_VALUE[value] ?? "UNHEALTHY";
}
