// WorkloadEntries the control plane writes for registered sidecars are the registry's, not the
// operator's: they carry REGISTERED_BY_ANNOTATION, and a plain write (PUT, apply, delete) that
// would create, replace or remove one is refused with WEFT_REGISTERED_WORKLOAD. The registry's
// own writes say so (StoreWriter's `asRegistry`) and pass.
import { ErrorCode, WeftError } from "../errors.js";
import type { StoredKindName } from "./stored-kinds.js";

/** The annotation marking a WorkloadEntry as written by the registry; its value is the node id that registered it. */
export const REGISTERED_BY_ANNOTATION = "weft.dev/registered-by";

/**
 * The annotation holding a WorkloadEntry's health: `healthy` (also when absent), `unhealthy` or
 * `draining`. The registry writes it as a registered sidecar reports its app's health; the
 * compiler reads it for the entry's endpoints.
 */
export const HEALTH_ANNOTATION = "weft.dev/health";

/**
 * The annotation holding the one port every Service port of a WorkloadEntry reaches, for the
 * Service ports its `spec.ports` does not name: a registered sidecar's inbound listener, which
 * serves all the ports of its instance on one port chosen at start. The registry writes it from
 * a registration's `port`; an entry written by hand may carry it too (a VM with one proxy port).
 */
export const PORT_ANNOTATION = "weft.dev/port";

/** Whether a stored (or parsed) resource's canonical JSON is a registered WorkloadEntry. */
export function isRegisteredWorkload(kind: StoredKindName, json: string): boolean {
  if (kind !== "workloadentries") return false;
  const document = JSON.parse(json) as { metadata?: { annotations?: Record<string, unknown> } };
  return document.metadata?.annotations?.[REGISTERED_BY_ANNOTATION] !== undefined;
}

/**
 * The refusal of a plain write of `name` that would put `json` (undefined for a delete) over
 * `existing` (the stored JSON, if any), or undefined when the write touches no registered entry.
 */
export function registeredWorkloadRefusal(
  kind: StoredKindName,
  name: string,
  json: string | undefined,
  existing: string | undefined,
): WeftError | undefined {
  if (kind !== "workloadentries") return undefined;
  if (json !== undefined && isRegisteredWorkload(kind, json)) {
    return new WeftError(
      ErrorCode.registeredWorkload,
      `workloadentries/${name} carries ${REGISTERED_BY_ANNOTATION}: only the control plane writes registered instances`,
      {
        details: [
          {
            path: `metadata.annotations[${JSON.stringify(REGISTERED_BY_ANNOTATION)}]`,
            message: "is set by the control plane for registered sidecars; leave it out",
          },
        ],
      },
    );
  }
  if (existing !== undefined && isRegisteredWorkload(kind, existing)) {
    return new WeftError(
      ErrorCode.registeredWorkload,
      `workloadentries/${name} is a registered sidecar's instance; it changes when the sidecar registers or leaves`,
      { details: [{ path: `workloadentries/${name}`, message: "written by the control plane's registry" }] },
    );
  }
  return undefined;
}
