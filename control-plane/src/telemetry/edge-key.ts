// What telemetry is counted by: a call edge (who called which service, and which of its workloads
// answered) and the class of the response. An edge and a class together name one series.

/** The source of a call whose caller is not known to the mesh (no sidecar, no identity). */
export const UNKNOWN_SERVICE = "unknown";

export interface EdgeKey {
  /** The calling service, or UNKNOWN_SERVICE. */
  readonly sourceService: string;
  readonly destinationService: string;
  /** The workload (WorkloadEntry name) that answered, when the reporter knows it. */
  readonly destinationWorkload?: string;
}

/**
 * The response classes: the HTTP status classes, and `none` for a request that got no response
 * status at all (connection refused or reset, timeout before headers). 1xx interim responses are
 * never final, so they have no class.
 */
export const RESPONSE_CLASSES = ["2xx", "3xx", "4xx", "5xx", "none"] as const;
export type ResponseClass = (typeof RESPONSE_CLASSES)[number];

/**
 * The failure rule: every request of class 5xx or none is a failure; a request of another class is
 * one only when its reporter says so (a gRPC call answered 200 whose grpc-status is a server fault).
 * A 4xx is the caller's error, not the destination's, so it does not lower a success rate.
 */
export function isFailureClass(responseClass: ResponseClass): boolean {
  return responseClass === "5xx" || responseClass === "none";
}

export function isResponseClass(value: unknown): value is ResponseClass {
  return (RESPONSE_CLASSES as readonly unknown[]).includes(value);
}

/** A string naming the edge, unambiguous for any names (JSON of a fixed-shape array). */
export function edgeId(edge: EdgeKey): string {
  return JSON.stringify([edge.sourceService, edge.destinationService, edge.destinationWorkload ?? null]);
}

/** A string naming the series (edge and class). */
export function seriesId(edge: EdgeKey, responseClass: ResponseClass): string {
  return JSON.stringify([edge.sourceService, edge.destinationService, edge.destinationWorkload ?? null, responseClass]);
}

/** The edge with only the fields it has: no `destinationWorkload: undefined` in JSON or in tests. */
export function edgeKey(sourceService: string, destinationService: string, destinationWorkload?: string): EdgeKey {
  return destinationWorkload === undefined
    ? { sourceService, destinationService }
    : { sourceService, destinationService, destinationWorkload };
}
