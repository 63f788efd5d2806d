// What every xDS stream needs from the server around it, passed in rather than imported.
import type { Logger } from "pino";
import { KINDS, TypeUrl } from "../../../proto/index.js";
import type { Snapshot, SnapshotView } from "../snapshot/snapshot.js";
import type { SnapshotSource } from "../snapshot/snapshot-builder.js";
import type { ConnectionNode, StatusRegistry } from "../status/registry.js";
import type { Refusal } from "./admission.js";
import type { PeerCall } from "./peer-identity.js";

export interface XdsMetrics {
  /** A response went out for `typeUrl`. */
  pushed(typeUrl: string): void;
  /** A client rejected a response for `typeUrl`. */
  nacked(typeUrl: string): void;
}

/** Told when a stream has answered everything it was sent (see status/convergence.ts). */
export interface ConvergenceSink {
  settled(streamId: number, revision: number): void;
  disconnected(streamId: number): void;
}

export interface XdsContext {
  readonly snapshots: SnapshotSource;
  readonly status: StatusRegistry;
  readonly logger: Logger;
  readonly metrics: XdsMetrics | undefined;
  readonly convergence?: ConvergenceSink | undefined;
  /**
   * What a client sees of a snapshot; by default everything (README, "Listeners for some proxies
   * only": unless a resource says otherwise, every proxy receives it).
   */
  readonly view?: ((node: ConnectionNode, snapshot: Snapshot) => SnapshotView) | undefined;
  /**
   * Whether a stream may be served the node its first request names (the TLS port's identity
   * check, admission.ts): a refusal ends the stream with its status before the node is connected.
   * Unset: every node is served.
   */
  readonly admit?: ((node: ConnectionNode, call: PeerCall) => Refusal | undefined) | undefined;
  /** Encoded envoy.config.core.v3.ControlPlane sent with every response. */
  readonly controlPlane: Uint8Array;
  readonly now: () => Date;
  nextStreamId(): number;
  /**
   * Registers a way to end an open stream (the server ends them all on shutdown); returns the
   * function that unregisters it. Set by XdsServer.
   */
  readonly track?: ((end: () => void) => () => void) | undefined;
}

/**
 * The order a stream sends types in when several changed: secrets first, then clusters and their
 * endpoints before the listeners and routes that use them, so nothing points at a secret or a
 * cluster the client does not have yet (make before break, docs/xds-protocol.md #31, #52).
 */
export const SEND_ORDER: readonly string[] = [
  TypeUrl.secret,
  KINDS.clusters.typeUrl,
  KINDS.endpoints.typeUrl,
  KINDS.listeners.typeUrl,
  KINDS.routes.typeUrl,
];

/** LDS and CDS responses carry the full state (docs/xds-protocol.md #12). */
export function isFullStateType(typeUrl: string): boolean {
  return typeUrl === KINDS.listeners.typeUrl || typeUrl === KINDS.clusters.typeUrl;
}

export function isServedType(typeUrl: string): boolean {
  return SEND_ORDER.includes(typeUrl);
}

/** "name version" from a node's user agent fields. */
export function userAgentOf(node: {
  userAgentName?: string;
  userAgentVersion?: string | undefined;
  userAgentBuildVersion?:
    | { version?: { majorNumber: number; minorNumber: number; patch: number } | undefined }
    | undefined;
}): string {
  const build = node.userAgentBuildVersion?.version;
  const version = node.userAgentVersion ?? (build ? `${build.majorNumber}.${build.minorNumber}.${build.patch}` : "");
  return [node.userAgentName ?? "", version].filter((s) => s !== "").join(" ");
}
