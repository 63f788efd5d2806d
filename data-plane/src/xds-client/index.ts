// The xDS client's public surface.
export { AdsClient } from "./ads-client.js";
export { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
export {
  CONTROL_PLANE_SERVER_NAME,
  ControlPlaneTrust,
  checkControlPlaneIdentity,
  type XdsChannel,
} from "./control-plane-tls.js";
export type { DecodedResource } from "./decode-response.js";
export { nackMessage, XdsClientError, XdsClientErrorCode } from "./errors.js";
export type { AdsClientEvent, AdsClientListener, NackRecord } from "./events.js";
export {
  type AdsClientOptions,
  type NodeIdentity,
  type ResourceHandler,
  type TypeSubscription,
  typeSubscription,
} from "./options.js";
export type { HeldResource } from "./type-state.js";
