// A proxy for the retry and circuit-breaker tests: the forwarding harness's parts, with the
// cluster manager wrapped to hand out one given CircuitBreaker, and to record the endpoints each
// pick was asked to avoid and each attempt's outcome (in the proxy, cluster-resilience.ts holds a
// breaker per cluster and the outcomes feed outlier detection).
import type { RuntimeCluster } from "../../../data-plane/src/config/index.js";
import { createHttpHandler, Http2Sessions, type UpstreamClusters } from "../../../data-plane/src/http/index.js";
import { HttpListener } from "../../../data-plane/src/listeners/http-listener.js";
import type {
  HttpRequestRecord,
  RequestObserver,
  RequestRecord,
} from "../../../data-plane/src/observer/request-observer.js";
import { compileRouteTable } from "../../../data-plane/src/router/index.js";
import {
  type AttemptOutcome,
  type BreakerResource,
  CircuitBreaker,
  ClusterManager,
  type PickContext,
} from "../../../data-plane/src/upstream/index.js";
import { type Json, oneHost } from "../router/fixtures.js";
import { HTTP_DEFAULTS } from "./harness.js";

export interface RetryProxy {
  readonly port: number;
  readonly breaker: CircuitBreaker;
  readonly records: HttpRequestRecord[];
  readonly outcomes: { address: string; outcome: AttemptOutcome }[];
  /** Addresses each pick was asked to avoid, in order. */
  readonly avoided: (readonly string[])[];
  readonly retried: string[];
  readonly exhausted: string[];
  readonly overflows: BreakerResource[];
  nextRecord(): Promise<HttpRequestRecord>;
  close(): Promise<void>;
}

export async function startRetryProxy(options: {
  readonly routes: Json[];
  readonly clusters: readonly RuntimeCluster[];
  readonly breaker?: CircuitBreaker;
}): Promise<RetryProxy> {
  const manager = new ClusterManager({ keepAliveTimeoutMs: 1000 });
  void manager.update(options.clusters, new Map());
  const breaker = options.breaker ?? new CircuitBreaker();
  const outcomes: RetryProxy["outcomes"] = [];
  const avoided: (readonly string[])[] = [];
  const clusters: UpstreamClusters = {
    has: (name) => manager.has(name),
    cluster: (name) => manager.cluster(name),
    warming: (name) => manager.warming(name),
    whenWarm: (name, ms) => manager.whenWarm(name, ms),
    pick: (name, context?: PickContext) => {
      avoided.push([...(context?.avoid ?? [])]);
      return manager.pick(name, context);
    },
    breaker: () => breaker,
    attemptEnded: (_cluster, address, outcome) => outcomes.push({ address, outcome }),
  };
  const records: HttpRequestRecord[] = [];
  let waiting: ((record: HttpRequestRecord) => void)[] = [];
  const retried: string[] = [];
  const exhausted: string[] = [];
  const overflows: BreakerResource[] = [];
  const observer: RequestObserver = {
    ended: (record: RequestRecord) => {
      if (record.kind !== "http") return;
      records.push(record);
      const notify = waiting;
      waiting = [];
      for (const resolve of notify) resolve(record);
    },
    retried: (cluster) => retried.push(cluster),
    retriesExhausted: (cluster) => exhausted.push(cluster),
    overflowed: (_cluster, resource) => overflows.push(resource),
  };
  const sessions = new Http2Sessions({ keepAliveTimeoutMs: 1000 });
  const table = compileRouteTable(oneHost(options.routes));
  const handler = createHttpHandler({
    listener: "test",
    http: HTTP_DEFAULTS,
    routeTable: () => table,
    clusters,
    http2Sessions: sessions,
    observer,
    random: () => 0.5,
  });
  const listener = new HttpListener("test", "127.0.0.1", 0, handler);
  await listener.listen();
  return {
    port: listener.address()?.port ?? 0,
    breaker,
    records,
    outcomes,
    avoided,
    retried,
    exhausted,
    overflows,
    nextRecord: () => new Promise((resolve) => waiting.push(resolve)),
    close: async () => {
      await listener.drain(200);
      await sessions.close(200);
      await manager.close();
    },
  };
}
