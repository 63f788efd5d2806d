// envoy.service.load_stats.v3.LoadReportingService (LRS) on the xDS port: Envoy, gRPC proxyless
// clients (for clusters that name an lrs_server) and Weft proxies send their load reports here, and
// each report is counted in the telemetry aggregator. The stream, as Envoy's API describes it
// (docs/telemetry.md, "The stream"): the client's first request carries its node; the server answers
// once with the clusters to report (all of them) and the interval; the client then sends a report
// every interval. Every request is read the same way, the first included, so a client that puts
// stats in its first request loses none.
import type { ServerDuplexStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base.js";
import {
  LoadReportingServiceService,
  type LoadStatsRequest,
  LoadStatsResponse,
} from "../../../proto/gen/envoy/service/load_stats/v3/lrs.js";
import { sidecarOf } from "../snapshot/sidecar-node.js";
import type { GrpcService } from "../xds/xds-server.js";
import { UNKNOWN_SERVICE } from "./edge-key.js";
import {
  DEFAULT_LOAD_REPORT_LIMITS,
  DEFAULT_REPORTING_INTERVAL_MS,
  type LoadReportLimits,
  readLoadReport,
} from "./load-report.js";
import type { TelemetryAggregator } from "./rolling-windows.js";

export interface LoadReportingOptions {
  readonly aggregator: Pick<TelemetryAggregator, "ingest">;
  readonly logger: Logger;
  /** The interval clients are asked to report at; DEFAULT_REPORTING_INTERVAL_MS by default. */
  readonly intervalMs?: number;
  readonly limits?: LoadReportLimits;
}

/** Since start: what the reports held and what of them was left out. */
export interface LoadReportCounts {
  /** Requests that carried cluster stats. */
  readonly reports: number;
  /** Clusters read into records. */
  readonly clusters: number;
  /** Clusters not read: malformed (load-report.ts, readLoadReport). */
  readonly malformedClusters: number;
  /** Clusters beyond the cap on clusters per report. */
  readonly clustersOverCap: number;
  /** Calls reporters say they dropped by policy (total_dropped_requests); counted here, not as telemetry. */
  readonly droppedRequests: number;
  /** Records the aggregator took, refused at its cap on edges, and found invalid. */
  readonly records: { readonly accepted: number; readonly dropped: number; readonly invalid: number };
}

/**
 * The service a reporting node calls as: a sidecar's `weft.service` metadata, else node.cluster
 * (what a gRPC proxyless client's bootstrap names it), else UNKNOWN_SERVICE.
 */
export function callerOf(node: Node | undefined): string {
  const sidecar = sidecarOf(node?.metadata);
  if (sidecar !== undefined) return sidecar.service;
  return node?.cluster !== undefined && node.cluster !== "" ? node.cluster : UNKNOWN_SERVICE;
}

type LoadStatsCall = ServerDuplexStream<LoadStatsRequest, LoadStatsResponse>;

export class LoadReportingServer {
  readonly #aggregator: Pick<TelemetryAggregator, "ingest">;
  readonly #logger: Logger;
  readonly #response: LoadStatsResponse;
  readonly #limits: LoadReportLimits;
  #counts: LoadReportCounts = {
    reports: 0,
    clusters: 0,
    malformedClusters: 0,
    clustersOverCap: 0,
    droppedRequests: 0,
    records: { accepted: 0, dropped: 0, invalid: 0 },
  };

  constructor(options: LoadReportingOptions) {
    this.#aggregator = options.aggregator;
    this.#logger = options.logger;
    this.#limits = options.limits ?? DEFAULT_LOAD_REPORT_LIMITS;
    const intervalMs = options.intervalMs ?? DEFAULT_REPORTING_INTERVAL_MS;
    // Every cluster, per endpoint (the endpoint is the destination workload), every interval.
    this.#response = LoadStatsResponse.fromPartial({
      sendAllClusters: true,
      reportEndpointGranularity: true,
      loadReportingInterval: {
        seconds: Math.floor(intervalMs / 1000),
        nanos: Math.round((intervalMs % 1000) * 1_000_000),
      },
    });
  }

  /** The service to add to the xDS server(s). One server may serve it on several ports. */
  get service(): GrpcService {
    const implementation: UntypedServiceImplementation = {
      streamLoadStats: (call: LoadStatsCall) => this.#serve(call),
    };
    return { definition: LoadReportingServiceService, implementation };
  }

  counts(): LoadReportCounts {
    return this.#counts;
  }

  #serve(call: LoadStatsCall): void {
    let caller: string | undefined;
    call.on("data", (request: LoadStatsRequest) => {
      if (caller === undefined) {
        // The node comes in the first request only (as on an xDS stream); the answer follows it.
        caller = callerOf(request.node);
        call.write(this.#response);
      }
      if (request.clusterStats.length > 0) this.#ingest(caller, request);
    });
    call.on("end", () => call.end());
    // A client that goes away is not an error of the server's; nothing is held per stream.
    call.on("error", () => {});
  }

  #ingest(caller: string, request: LoadStatsRequest): void {
    const read = readLoadReport(caller, request.clusterStats, this.#limits);
    const outcome = this.#aggregator.ingest(read.records);
    const c = this.#counts;
    this.#counts = {
      reports: c.reports + 1,
      clusters: c.clusters + read.clusters,
      malformedClusters: c.malformedClusters + read.malformedClusters,
      clustersOverCap: c.clustersOverCap + read.clustersOverCap,
      droppedRequests: c.droppedRequests + read.droppedRequests,
      records: {
        accepted: c.records.accepted + outcome.accepted,
        dropped: c.records.dropped + outcome.dropped,
        invalid: c.records.invalid + outcome.invalid,
      },
    };
    if (read.malformedClusters > 0 || read.clustersOverCap > 0) {
      this.#logger.debug(
        { caller, malformed: read.malformedClusters, overCap: read.clustersOverCap },
        "load report: clusters left out",
      );
    }
  }
}
