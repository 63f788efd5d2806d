// What the mesh scenario's orchestrator (bench/cp-mesh-scenario.ts) and its sidecar simulators
// (bench/cp-mesh-sim.ts) tell each other over Node's IPC channel. Times are epoch milliseconds with
// sub-millisecond precision, as in cp-xds-messages.ts: every process shares the machine's clock.

/**
 * The new content a change round looks for, in the sidecars of the Services that depend on
 * `service`: its route's weight shifted (RDS), or a new instance's endpoint (EDS).
 */
export type MeshWatch =
  | { readonly kind: "route"; readonly service: number; readonly weight: number }
  | { readonly kind: "endpoint"; readonly service: number; readonly port: number };

/** Orchestrator -> simulator. */
export type MeshSimCommand =
  | { readonly type: "connect" }
  | { readonly type: "watch"; readonly round: number; readonly watch: MeshWatch }
  /** Start one more sidecar (a new instance): it connects, registers, and reports when registered. */
  | { readonly type: "add-instance"; readonly id: number }
  | { readonly type: "stop" };

/** Simulator -> orchestrator. */
export type MeshSimReport =
  | { readonly type: "ready" }
  | {
      readonly type: "synced";
      /** Sidecars that ACKed a full view: LDS, RDS, CDS and EDS, every dependency with all its instances. */
      readonly synced: number;
      readonly sidecars: number;
      /** When the last of them got there (or the timeout, when not all did). */
      readonly lastSyncedAt: number;
      /** When the last registration of this simulator was answered. */
      readonly lastRegisteredAt: number;
      readonly registered: number;
      readonly streamErrors: number;
      readonly registrationErrors: number;
      readonly firstError: string | undefined;
      /** Per sidecar: dial to a full view, dial to the registration's answer (ms). */
      readonly dialToSyncedMs: readonly number[];
      readonly dialToRegisteredMs: readonly number[];
    }
  | { readonly type: "watching"; readonly round: number; readonly dependents: number }
  | { readonly type: "instance-registered"; readonly id: number; readonly at: number }
  | {
      readonly type: "converged";
      readonly round: number;
      /** One ACK time per dependent sidecar that saw the new content; fewer than `dependents` on timeout. */
      readonly ackTimes: number[];
      readonly dependents: number;
    }
  | { readonly type: "failed"; readonly message: string };
