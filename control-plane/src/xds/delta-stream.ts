// Incremental (delta) streams: requests change the subscription by subscribe/unsubscribe lists
// and responses carry only what changed, with removals named (docs/xds-protocol.md #19-29).
import type { ServerDuplexStream } from "@grpc/grpc-js";
import type { DeltaDiscoveryRequest } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import type { XdsContext } from "./context.js";
import { isFullStateType } from "./context.js";
import { type DeltaResponsePlan, DeltaTypeState } from "./delta-type-state.js";
import { DiscoveryStream, type StreamProtocol } from "./discovery-stream.js";
import { encodeDeltaBody, withNonce } from "./wire.js";

const delta: StreamProtocol<DeltaDiscoveryRequest, DeltaTypeState, DeltaResponsePlan> = {
  name: "delta",
  newState: (typeUrl) => new DeltaTypeState(typeUrl, isFullStateType(typeUrl)),
  receive: (state, request, _snapshot, now) => state.receive(request, now),
  // Streams sending the same resources and removals within a snapshot share one encoded body.
  encode: (plan, typeUrl, nonce, controlPlane, view) => {
    const key = `delta\n${typeUrl}\n${plan.systemVersion}\n${plan.resources.map((r) => `${r.name}@${r.version}`).join("\n")}\n-\n${plan.removed.join("\n")}`;
    const body = view.memo(key, () =>
      encodeDeltaBody({
        systemVersion: plan.systemVersion,
        entries: plan.resources.map((r) => r.deltaEntry),
        typeUrl,
        removed: plan.removed,
        controlPlane,
      }),
    );
    return withNonce(body, nonce);
  },
  describe: (plan) => ({ count: plan.resources.length, removed: plan.removed.length }),
};

export function serveDeltaStream(
  call: ServerDuplexStream<DeltaDiscoveryRequest, Buffer>,
  context: XdsContext,
  impliedTypeUrl?: string,
): void {
  new DiscoveryStream(call, context, delta, impliedTypeUrl).start();
}
