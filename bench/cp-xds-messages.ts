// What the benchmark orchestrator and its child processes tell each other over Node's IPC channel.
// Times are milliseconds since the Unix epoch with sub-millisecond precision
// (performance.timeOrigin + performance.now()): every process runs on the same machine and clock.

export type XdsMode = "sotw" | "delta";

/** The new content a change round looks for; a proxy has converged when it ACKs a response holding it. */
export type ChangeWatch =
  | { readonly kind: "route"; readonly routeConfig: string; readonly prefix: string }
  | { readonly kind: "endpoint"; readonly cluster: string; readonly port: number };

/** Orchestrator -> proxy simulator. */
export type SimCommand =
  | { readonly type: "connect" }
  | { readonly type: "watch"; readonly round: number; readonly watch: ChangeWatch }
  | { readonly type: "stop" };

/** Proxy simulator -> orchestrator. */
export type SimReport =
  | { readonly type: "ready" }
  | {
      readonly type: "synced";
      /** Connections that ACKed LDS, CDS, RDS and EDS for all their names. */
      readonly synced: number;
      readonly connections: number;
      /** When the last of them got there (or the timeout, when not all did). */
      readonly lastSyncedAt: number;
      readonly streamErrors: number;
      readonly firstError: string | undefined;
      /** When the last connection was dialled (connections open at most --connect-concurrency at a time). */
      readonly lastDialledAt: number;
      /** Per connection, dial to first response and dial to synced, in ms. */
      readonly dialToFirstResponseMs: readonly number[];
      readonly dialToSyncedMs: readonly number[];
    }
  | { readonly type: "watching"; readonly round: number }
  | {
      readonly type: "converged";
      readonly round: number;
      /** One ACK time per connection that saw the new content; fewer than `connections` on timeout. */
      readonly ackTimes: number[];
      readonly connections: number;
      /** Resources in each response that carried the new content (histogram: count -> responses). */
      readonly resourcesPerResponse: Record<string, number>;
      readonly streamErrors: number;
    }
  | { readonly type: "failed"; readonly message: string };

/** Control-plane child -> orchestrator. */
export type ServerReport =
  | { readonly type: "listening"; readonly xdsAddress: string; readonly apiAddress: string }
  | {
      readonly type: "gc-done";
      /** process.memoryUsage() after the collection, in bytes. */
      readonly heapUsed: number;
      readonly external: number;
      readonly arrayBuffers: number;
      readonly rss: number;
    }
  | { readonly type: "failed"; readonly message: string };

/** Orchestrator -> control-plane child: collect garbage (only with --expose-gc) before a memory reading. */
export type ServerCommand = { readonly type: "gc" } | { readonly type: "stop" };
