// What state-of-the-world and incremental streams share: one gRPC stream, ADS (every type on it)
// or a per-type service (the type implied). Each type is an independent sub-stream with its own
// nonce, versions and subscription (docs/xds-protocol.md #37), kept in a type-state object; the stream
// registers the client, routes requests to type states and decides the order types are answered in.
import { status as GrpcStatus, type ServerDuplexStream } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base.js";
import { KINDS } from "../../../proto/index.js";
import type { Snapshot, SnapshotResource, SnapshotView } from "../snapshot/snapshot.js";
import type { SyncState, TypeStatus } from "../status/proxy-status.js";
import type { Connection, ConnectionNode, ResourceStatus, StatusChange } from "../status/registry.js";
import { refusalStatus } from "./admission.js";
import { isServedType, SEND_ORDER, userAgentOf, type XdsContext } from "./context.js";
import { TypeRevisions } from "./type-revisions.js";

/** What a stream needs of a type state, whichever protocol variant it implements. */
export interface TypeState<Plan> {
  readonly typeUrl: string;
  /**
   * Whether a response awaits its ACK or NACK. A snapshot change is planned only when none does;
   * a subscription change is planned at once (each variant says how), so several may be in flight.
   */
  readonly awaitingAck: boolean;
  /** Nonces of the responses awaiting an ACK or NACK, oldest first. */
  readonly pendingNonces: readonly string[];
  plan(view: SnapshotView, holdRemovals: boolean): Plan | undefined;
  settled(view: SnapshotView): boolean;
  /** Whether `view` selects a version the client rejected (never sent again, so never run). */
  selectsRejected(view: SnapshotView): boolean;
  sent(plan: Plan, nonce: string): void;
  subscribed(): string[];
  ackedResources(): ReadonlyMap<string, SnapshotResource>;
  inFlightResources(): ReadonlyMap<string, SnapshotResource>;
  /** Resources the client rejected and does not run (until it accepts another version of them). */
  rejectedResources(): ReadonlyMap<string, SnapshotResource>;
  readonly state: SyncState;
  readonly versionSent: string;
  readonly versionAcked: string;
  readonly nonce: string;
  readonly lastNack: { message: string; at: Date; version: string } | undefined;
}

/** The variant-specific part: how requests are read and responses written. */
/** Types to plan again after a request for the key type. */
const REPLANNED_AFTER: ReadonlyMap<string, readonly string[]> = new Map([
  [KINDS.listeners.typeUrl, [KINDS.clusters.typeUrl, KINDS.endpoints.typeUrl, KINDS.listeners.typeUrl]],
  [KINDS.routes.typeUrl, [KINDS.clusters.typeUrl, KINDS.endpoints.typeUrl, KINDS.routes.typeUrl]],
]);

export interface StreamProtocol<Request, State extends TypeState<Plan>, Plan> {
  readonly name: "sotw" | "delta";
  newState(typeUrl: string): State;
  /** Applies the request to its type's state; "stale" requests are ignored. */
  receive(
    state: State,
    request: Request,
    view: SnapshotView | undefined,
    now: Date,
  ): "request" | "ack" | "nack" | "stale";
  encode(plan: Plan, typeUrl: string, nonce: string, controlPlane: Uint8Array, view: SnapshotView): Buffer;
  describe(plan: Plan): Record<string, unknown>;
}

interface DiscoveryRequestLike {
  readonly node?: Node | undefined;
  readonly typeUrl: string;
  readonly responseNonce: string;
  readonly errorDetail?: { readonly message: string } | undefined;
}

export class DiscoveryStream<Request extends DiscoveryRequestLike, State extends TypeState<Plan>, Plan> {
  readonly #call: ServerDuplexStream<Request, Buffer>;
  readonly #context: XdsContext;
  readonly #protocol: StreamProtocol<Request, State, Plan>;
  readonly #impliedTypeUrl: string | undefined;
  readonly #streamId: number;
  readonly #types = new Map<string, State>();
  /** Per type, the revision the client runs and the one it rejected (GET /v1/proxies). */
  readonly #revisions = new TypeRevisions();
  /** The server's logger; every line this stream writes carries its stream id and node id. */
  readonly #logger: Logger;
  #snapshot: Snapshot | undefined;
  /** What this client sees of #snapshot; recomputed when either changes. */
  #view: { snapshot: Snapshot; view: SnapshotView } | undefined;
  #nonce = 0;
  #node: ConnectionNode | undefined;
  /** This stream's record in the status registry, once the first request named the node. */
  #connection: Connection | undefined;
  #cleanups: (() => void)[] = [];
  #closed = false;

  constructor(
    call: ServerDuplexStream<Request, Buffer>,
    context: XdsContext,
    protocol: StreamProtocol<Request, State, Plan>,
    impliedTypeUrl: string | undefined,
  ) {
    this.#call = call;
    this.#context = context;
    this.#protocol = protocol;
    this.#impliedTypeUrl = impliedTypeUrl;
    this.#streamId = context.nextStreamId();
    this.#logger = context.logger;
  }

  start(): void {
    const untrack = this.#context.track?.(() =>
      this.#fail(GrpcStatus.UNAVAILABLE, "the control plane is shutting down; reconnect"),
    );
    if (untrack) this.#cleanups.push(untrack);
    this.#call.on("data", (request: Request) => this.#onRequest(request));
    this.#call.on("end", () => {
      this.#close("client closed the stream");
      this.#call.end();
    });
    this.#call.on("error", (error: Error) => this.#close(`stream error: ${error.message}`));
    this.#call.on("cancelled", () => this.#close("cancelled"));
    this.#snapshot = this.#context.snapshots.current();
    this.#cleanups.push(
      this.#context.snapshots.subscribe((snapshot) => {
        this.#snapshot = snapshot;
        this.#flush();
        this.#changed("snapshot");
      }),
    );
  }

  /** One log line with this stream's identity; no child logger is kept per stream (10,000s of them). */
  #log(level: "debug" | "info" | "warn", fields: Record<string, unknown>, message: string): void {
    if (!this.#logger.isLevelEnabled(level)) return;
    this.#logger[level](
      { streamId: this.#streamId, protocol: this.#protocol.name, nodeId: this.#node?.id, ...fields },
      message,
    );
  }

  #close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#context.convergence?.disconnected(this.#streamId);
    for (const cleanup of this.#cleanups) cleanup();
    this.#cleanups = [];
    this.#log("info", { reason }, "xDS stream closed");
  }

  /** Ends the stream with a gRPC status, as for a request that breaks the protocol. */
  #fail(code: GrpcStatus, details: string, error: object = { code, details }): void {
    this.#log("warn", { code, details }, "ending xDS stream");
    this.#close(details);
    this.#call.emit("error", error);
  }

  #onRequest(request: Request): void {
    if (this.#closed) return;
    if (!this.#node) {
      this.#register(request.node);
      if (this.#closed) return;
    }
    let typeUrl = request.typeUrl;
    if (this.#impliedTypeUrl !== undefined) {
      if (typeUrl !== "" && typeUrl !== this.#impliedTypeUrl) {
        this.#fail(GrpcStatus.INVALID_ARGUMENT, `this service serves ${this.#impliedTypeUrl}, not ${typeUrl}`);
        return;
      }
      typeUrl = this.#impliedTypeUrl;
    } else if (typeUrl === "") {
      // type_url is required on ADS (docs/xds-protocol.md #18).
      this.#fail(GrpcStatus.INVALID_ARGUMENT, "type_url is required on the aggregated discovery service");
      return;
    }
    if (!isServedType(typeUrl)) {
      this.#log("debug", { typeUrl }, "request for a type this server does not serve; not answered");
      return;
    }
    let state = this.#types.get(typeUrl);
    if (!state) {
      state = this.#protocol.newState(typeUrl);
      this.#types.set(typeUrl, state);
    }
    const kind = this.#protocol.receive(state, request, this.#currentView(), this.#context.now());
    if (kind === "stale") {
      this.#log("debug", { typeUrl, nonce: request.responseNonce }, "stale nonce; request ignored");
      return;
    }
    if (kind === "nack") this.#onNack(state, request.responseNonce, request.errorDetail?.message ?? "");
    // Only this type can have changed, and for listeners and routes, the cluster and endpoint
    // removals that wait on them (docs/xds-protocol.md #31).
    this.#flush(REPLANNED_AFTER.get(typeUrl) ?? [typeUrl]);
    this.#changed(kind);
  }

  /** Tells the status registry this stream's record changed (after the responses it caused went out). */
  #changed(change: StatusChange): void {
    if (this.#connection && !this.#closed) this.#context.status.changed(change, this.#connection);
  }

  #onNack(state: State, nonce: string, message: string): void {
    const versionRejected = state.lastNack?.version ?? "";
    this.#log("warn", { typeUrl: state.typeUrl, versionRejected, error: message }, "proxy rejected a response (NACK)");
    this.#context.metrics?.nacked(state.typeUrl);
    this.#context.status.recordNack({
      nodeId: this.#node?.id ?? "",
      typeUrl: state.typeUrl,
      versionRejected,
      nonce,
      message,
      at: this.#context.now().toISOString(),
    });
  }

  /** Only the first request is sure to carry the node (docs/xds-protocol.md #36). */
  #register(node: Node | undefined): void {
    this.#node = {
      id: node?.id ?? "",
      cluster: node?.cluster ?? "",
      metadata: (node?.metadata as Record<string, unknown> | undefined) ?? {},
      userAgent: node ? userAgentOf(node) : "",
      raw: node,
    };
    const refusal = this.#context.admit?.(this.#node, this.#call);
    if (refusal !== undefined) {
      const error = refusalStatus(refusal);
      this.#fail(error.code, error.details, error);
      return;
    }
    const address = this.#call.getPeer();
    this.#connection = {
      streamId: this.#streamId,
      node: this.#node,
      address,
      connectedAt: this.#context.now(),
      protocol: this.#protocol.name,
      types: () => this.#typeStatuses(),
      resources: () => this.#resourceStatuses(),
    };
    this.#cleanups.push(this.#context.status.connect(this.#connection));
    this.#log("info", { address, userAgent: this.#node.userAgent }, "xDS stream opened");
  }

  #currentView(): SnapshotView | undefined {
    const snapshot = this.#snapshot;
    if (!snapshot || !this.#node) return snapshot;
    if (this.#view?.snapshot !== snapshot) {
      this.#view = { snapshot, view: this.#context.view?.(this.#node, snapshot) ?? snapshot };
    }
    return this.#view.view;
  }

  /** Sends what each of `types` needs, clusters first; see SEND_ORDER. */
  #flush(types: readonly string[] = SEND_ORDER): void {
    const snapshot = this.#currentView();
    if (!snapshot || this.#closed) return;
    for (const typeUrl of SEND_ORDER) {
      if (types !== SEND_ORDER && !types.includes(typeUrl)) continue;
      const state = this.#types.get(typeUrl);
      if (!state) continue;
      const removesLast = typeUrl === KINDS.clusters.typeUrl || typeUrl === KINDS.endpoints.typeUrl;
      const hold = removesLast && this.#holdClusterRemovals(snapshot);
      const plan = state.plan(snapshot, hold);
      if (plan === undefined) continue;
      const nonce = String(++this.#nonce);
      this.#call.write(this.#protocol.encode(plan, typeUrl, nonce, this.#context.controlPlane, snapshot));
      state.sent(plan, nonce);
      this.#context.metrics?.pushed(typeUrl);
      if (this.#logger.isLevelEnabled("debug")) {
        this.#log("debug", { typeUrl, nonce, ...this.#protocol.describe(plan) }, "response sent");
      }
    }
    // After the sends: a type settles on this snapshot only with nothing left to send it. Only the
    // types just planned can have changed against this view.
    for (const [typeUrl, state] of this.#types) {
      if (types === SEND_ORDER || types.includes(typeUrl)) this.#revisions.observe(state, snapshot);
    }
    // Settled only with nothing in flight on any type: an ACK of an older response while a newer
    // one is unanswered does not mean the client runs this snapshot.
    let answered = true;
    for (const state of this.#types.values()) if (state.awaitingAck) answered = false;
    if (answered) this.#context.convergence?.settled(this.#streamId, snapshot.revision);
  }

  /**
   * Clusters, and their endpoints (delta EDS names removals), leave the client only after the
   * listeners and routes on this stream that might use them run the new config (break after make,
   * docs/xds-protocol.md #31). A NACKed listener or route update keeps the old clusters too, since the client still
   * runs the old routes.
   */
  #holdClusterRemovals(snapshot: SnapshotView): boolean {
    for (const typeUrl of [KINDS.listeners.typeUrl, KINDS.routes.typeUrl]) {
      const state = this.#types.get(typeUrl);
      if (state && !state.settled(snapshot)) return true;
    }
    return false;
  }

  #typeStatuses(): Record<string, TypeStatus> {
    const out: Record<string, TypeStatus> = {};
    for (const [typeUrl, state] of this.#types) {
      const nack = state.lastNack;
      out[typeUrl] = {
        state: state.state,
        versionSent: state.versionSent,
        versionAcked: state.versionAcked,
        nonce: state.nonce,
        subscribed: state.subscribed(),
        revision: this.#revisions.running(typeUrl),
        lastNack: nack
          ? { message: nack.message, at: nack.at.toISOString(), revision: this.#revisions.rejected(typeUrl) }
          : null,
      };
    }
    return out;
  }

  #resourceStatuses(): ResourceStatus[] {
    const out: ResourceStatus[] = [];
    for (const [typeUrl, state] of this.#types) {
      const acked = state.ackedResources();
      const inFlight = state.inFlightResources();
      // A rejected version is reported as ERROR with the rejected config (docs/xds-protocol.md #51),
      // unless a newer one is in flight.
      const rejected = state.rejectedResources();
      const error = (r: SnapshotResource): ResourceStatus => ({
        typeUrl,
        name: r.name,
        version: r.version,
        status: "ERROR",
        anyBytes: r.anyBytes,
      });
      for (const [name, resource] of acked) {
        const pending = inFlight.get(name);
        const failed = rejected.get(name);
        if (pending && pending.version !== resource.version) {
          out.push({ typeUrl, name, version: resource.version, status: "STALE", anyBytes: resource.anyBytes });
        } else if (failed && failed.version !== resource.version) {
          out.push(error(failed));
        } else {
          out.push({ typeUrl, name, version: resource.version, status: "SYNCED", anyBytes: resource.anyBytes });
        }
      }
      for (const [name, resource] of inFlight) {
        if (acked.has(name)) continue;
        out.push({ typeUrl, name, version: resource.version, status: "STALE", anyBytes: resource.anyBytes });
      }
      for (const [name, resource] of rejected) if (!acked.has(name) && !inFlight.has(name)) out.push(error(resource));
      const missing = state.state === "NACKED" ? "ERROR" : "NOT_SENT";
      for (const name of state.subscribed()) {
        if (name === "*" || acked.has(name) || inFlight.has(name) || rejected.has(name)) continue;
        out.push({ typeUrl, name, version: "", status: missing, anyBytes: undefined });
      }
    }
    return out;
  }
}
