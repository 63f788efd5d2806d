// Which nodes a listener is for. By default every proxy receives every resource (README,
// "Listeners for some proxies only"); a listener can say otherwise in its metadata:
//
//   metadata: { filter_metadata: { weft: { node_clusters: ["front"], node_ids: ["edge-1"] } } }
//
// It is then served only to nodes whose cluster is listed (when node_clusters is given) and whose
// id is listed (when node_ids is given). Kept free of runtime imports: the CLI's `apply --wait`
// applies the same rule without loading the protobuf registry.
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";

/** The filter_metadata key holding a listener's scope. */
export const SCOPE_METADATA_KEY = "weft";

export interface NodeScope {
  /** Node clusters the listener is for; undefined: any. */
  readonly nodeClusters: ReadonlySet<string> | undefined;
  /** Node ids the listener is for; undefined: any. */
  readonly nodeIds: ReadonlySet<string> | undefined;
}

/** Who a view is for. */
export interface ScopedNode {
  readonly id: string;
  readonly cluster: string;
  /** The node's metadata (a sidecar describes itself there); absent: none. */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * A listener's scope, or undefined for a listener every proxy receives. Reads only well-formed
 * lists of strings (the listener validation refuses anything else before it is stored).
 */
export function listenerScope(listener: Listener): NodeScope | undefined {
  const weft = listener.metadata?.filterMetadata[SCOPE_METADATA_KEY];
  if (weft === undefined) return undefined;
  const set = (value: unknown): ReadonlySet<string> | undefined =>
    Array.isArray(value) ? new Set(value.filter((v): v is string => typeof v === "string")) : undefined;
  const nodeClusters = set(weft.node_clusters);
  const nodeIds = set(weft.node_ids);
  if (nodeClusters === undefined && nodeIds === undefined) return undefined;
  return { nodeClusters, nodeIds };
}

export function inScope(scope: NodeScope, node: ScopedNode): boolean {
  return (
    (scope.nodeClusters === undefined || scope.nodeClusters.has(node.cluster)) &&
    (scope.nodeIds === undefined || scope.nodeIds.has(node.id))
  );
}
