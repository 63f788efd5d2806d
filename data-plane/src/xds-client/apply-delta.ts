// Applying a delta response to the resources a type holds, giving the type's next full set or
// the reason to NACK the response (which then changes nothing).

import type { DeltaDiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import type { Any } from "../../../proto/gen/google/protobuf/any.js";
import { decodeResources } from "./decode-response.js";
import { XdsClientError, XdsClientErrorCode } from "./errors.js";
import type { HeldResource, TypeState } from "./type-state.js";

export interface DeltaResult {
  /** The full set after the response: what was held, minus removals, plus the resources sent. */
  readonly next: Map<string, HeldResource>;
  /** Names sent in `resources` (and wanted), and names removed that were held. */
  readonly updated: string[];
  readonly removed: string[];
}

/**
 * Decodes the response's resources (each must carry one, decode as the type, and be named as its
 * Resource says; docs/xds-protocol.md #19) and applies them and `removed_resources` to what
 * `type` holds. Resources of a named type the client did not ask for are ignored, as are removals
 * of unknown names (docs/xds-protocol.md #27).
 */
export function applyDelta(type: TypeState, response: DeltaDiscoveryResponse): DeltaResult {
  const anys: Any[] = response.resources.map((r, index) => {
    if (r.resource === undefined) {
      throw new XdsClientError(XdsClientErrorCode.malformedResource, "the resource has no body", {
        resourceName: r.name,
        field: `resources[${index}].resource`,
      });
    }
    return r.resource;
  });
  const decoded = decodeResources(response.typeUrl, anys);
  const next = new Map(type.held);
  const removed: string[] = [];
  for (const name of response.removedResources) {
    if (next.delete(name)) removed.push(name);
  }
  const updated: string[] = [];
  decoded.forEach((d, index) => {
    const wire = response.resources[index];
    if (wire === undefined) return;
    if (wire.name !== "" && wire.name !== d.name) {
      throw new XdsClientError(XdsClientErrorCode.malformedResource, `the Resource is named "${wire.name}"`, {
        resourceName: d.name,
        field: `resources[${index}].name`,
      });
    }
    if (!type.wants(d.name)) return;
    next.set(d.name, { version: wire.version, resource: d.resource });
    updated.push(d.name);
  });
  return { next, updated, removed };
}
