// State-of-the-world streams: full requests carry the whole subscription, and a response is
// matched to its ACK or NACK by nonce; answers to superseded responses are stale (docs/xds-protocol.md #7).
import type { ServerDuplexStream } from "@grpc/grpc-js";
import type { DiscoveryRequest } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { isFullStateType, type XdsContext } from "./context.js";
import { DiscoveryStream, type StreamProtocol } from "./discovery-stream.js";
import { type SotwResponsePlan, SotwTypeState } from "./sotw-type-state.js";
import { encodeSotwBody, withNonce } from "./wire.js";

const sotw: StreamProtocol<DiscoveryRequest, SotwTypeState, SotwResponsePlan> = {
  name: "sotw",
  newState: (typeUrl) => new SotwTypeState(typeUrl, isFullStateType(typeUrl)),
  receive: (state, request, snapshot, now) => state.receive(request, snapshot, now),
  // Streams sending the same content within a snapshot share one encoded body.
  encode: (plan, typeUrl, nonce, controlPlane, view) =>
    withNonce(
      view.memo(`sotw\n${typeUrl}\n${plan.contentKey}`, () =>
        encodeSotwBody({
          version: plan.version,
          entries: plan.resources.map((r) => r.sotwEntry),
          typeUrl,
          controlPlane,
        }),
      ),
      nonce,
    ),
  describe: (plan) => ({ version: plan.version, count: plan.resources.length }),
};

export function serveSotwStream(
  call: ServerDuplexStream<DiscoveryRequest, Buffer>,
  context: XdsContext,
  impliedTypeUrl?: string,
): void {
  new DiscoveryStream(call, context, sotw, impliedTypeUrl).start();
}
