// What every route module is given: the fastify instance typed for TypeBox, and the collaborators
// the API works with, all passed in by buildApi (nothing here reaches for a global).
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Metrics } from "../metrics.js";
import type { InstanceRegistry } from "../registry/index.js";
import type { ProxyStatusSource } from "../status/proxy-status.js";
import type { ConfigStore } from "../store/config-store.js";
import type { ReferenceIndex } from "./referrers.js";
import type { StoreWriter } from "./store-writer.js";

export type ApiApp = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ApiContext {
  readonly store: ConfigStore;
  readonly writer: StoreWriter;
  /** Sidecar registrations: the one writer of registered WorkloadEntries. */
  readonly registry: InstanceRegistry;
  readonly references: ReferenceIndex;
  readonly proxies: ProxyStatusSource;
  readonly metrics: Metrics;
  /** True once the control plane accepts work (both servers listening). */
  readonly ready: () => boolean;
}
