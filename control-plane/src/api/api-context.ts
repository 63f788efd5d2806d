// What every route module is given: the fastify instance typed for TypeBox, and the collaborators
// the API works with, all passed in by buildApi (nothing here reaches for a global).

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { JoinTokens, MeshCa } from "../ca/index.js";
import type { Metrics } from "../metrics.js";
import type { InstanceRegistry } from "../registry/index.js";
import type { Snapshot, SnapshotView } from "../snapshot/snapshot.js";
import type { SnapshotSource } from "../snapshot/snapshot-builder.js";
import type { ProxyStatusSource } from "../status/proxy-status.js";
import type { ConnectionNode } from "../status/registry.js";
import type { ConfigStore } from "../store/config-store.js";
import type { ApiTokens } from "./api-tokens.js";
import type { ReferenceIndex } from "./referrers.js";
import type { StoreWriter } from "./store-writer.js";

/** What a node is sent of a snapshot: the xDS context's `view` (node scoping, compiled mesh config). */
export type NodeView = (node: ConnectionNode, snapshot: Snapshot) => SnapshotView;

export type ApiApp = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ApiContext {
  readonly store: ConfigStore;
  readonly writer: StoreWriter;
  /** Sidecar registrations: the one writer of registered WorkloadEntries. */
  readonly registry: InstanceRegistry;
  readonly references: ReferenceIndex;
  readonly proxies: ProxyStatusSource;
  /** The snapshots xDS serves, for GET /v1/proxies/NODE/config; absent: no node has a view. */
  readonly snapshots?: SnapshotSource | undefined;
  /** How xDS cuts a node's view from a snapshot; absent: node scoping as the control plane does it. */
  readonly view?: NodeView | undefined;
  readonly metrics: Metrics;
  /** The certificate authority the control plane signs with; absent: GET /v1/ca is 404. */
  readonly ca?: MeshCa | undefined;
  /** The join tokens sidecars prove their service with; absent: /v1/tokens is 404. */
  readonly joinTokens?: JoinTokens | undefined;
  /** API tokens with roles, managed at /v1/tokens beside the join tokens. */
  readonly apiTokens?: ApiTokens | undefined;
  /** True once the control plane accepts work (both servers listening). */
  readonly ready: () => boolean;
}
