// The state of one resource type on one state-of-the-world stream: what the client subscribes to,
// what it was sent, what it acknowledged or rejected, and therefore what it must be sent next.
// Pure logic: no sockets, no timers; the stream drives it.
//
// One response at a time is awaiting its answer. A snapshot change waits for that answer (the
// client's pace sets ours), but a request that changes the subscription is answered at once: its
// response supersedes the one in flight, and the latest request wins. The superseded nonce is then
// stale, so its ACK or NACK is ignored like any other answer to an older response.
import { versionOfSet } from "../../../proto/index.js";
import {
  type Selection,
  type SnapshotResource,
  type SnapshotView,
  type Subscription,
  subscription,
} from "../snapshot/snapshot.js";
import type { SyncState } from "../status/proxy-status.js";

/** What a request means for this type. */
export type RequestKind =
  /** The first request for the type, or one sent on the client's own initiative (empty nonce). */
  | "request"
  | "ack"
  | "nack"
  /** Answers a response that was superseded; ignored entirely (docs/xds-protocol.md #7). */
  | "stale";

export interface SotwResponsePlan {
  readonly version: string;
  readonly resources: readonly SnapshotResource[];
  /** Identifies the response's content within one snapshot view: equal keys, equal bytes (but the nonce). */
  readonly contentKey: string;
  /**
   * For a partial type whose response brings the client exactly to `selection` (nothing held back
   * for a NACK): after the ACK the client runs `selection`, which is then shared, not copied.
   */
  readonly selection: Selection | undefined;
}

interface InFlight {
  readonly nonce: string;
  readonly plan: SotwResponsePlan;
  /** The subscription the response was planned for. */
  readonly sub: Subscription;
}

const NO_RESOURCES: ReadonlyMap<string, SnapshotResource> = new Map();

function byName(resources: readonly SnapshotResource[]): ReadonlyMap<string, SnapshotResource> {
  return new Map(resources.map((r) => [r.name, r]));
}

export class SotwTypeState {
  readonly typeUrl: string;
  /**
   * LDS and CDS: every response carries every subscribed resource, and absence means deletion
   * (docs/xds-protocol.md #12, #13).
   */
  readonly fullState: boolean;

  #requested = false;
  #sub: Subscription = subscription(false, []);
  /** resource_names of the last request, as sent: an identical list skips re-interning. */
  #lastNames: readonly string[] | undefined;
  /**
   * Whether any resource name was ever sent for this type on this stream: ends the legacy wildcard
   * (docs/xds-protocol.md #10).
   */
  #everNamed = false;

  #lastNonce = "";
  #inFlight: InFlight | undefined;
  /** A request changed the subscription while a response was in flight: the next plan may replace it. */
  #superseding = false;
  /**
   * What the client runs: the resources of every response it acknowledged. Often a map shared
   * with other streams (a snapshot's selection), so it is copied before any change.
   */
  #acked: ReadonlyMap<string, SnapshotResource> = NO_RESOURCES;
  #ackedVersion = "";
  /** version_info the client is taken to hold or be receiving: the last sent, back to the acknowledged one after a NACK. */
  #sentVersion: string | undefined;
  /** version_info of the last response actually sent (a NACKed one included), as status reports it. */
  #lastSentVersion = "";
  /**
   * Partial types: the version whose every selected resource the client holds (or will, once the
   * response in flight is acknowledged). plan() answers at once while the selection keeps it.
   */
  #heldVersion: string | undefined;
  /** Versions (full-state types) and name@version pairs (partial types) the client rejected: never sent again. */
  #nackedVersions: Set<string> | undefined;
  #nackedResources: Set<string> | undefined;
  #lastNack: { message: string; at: Date; version: string } | undefined;
  #lastResponseNacked = false;
  /**
   * Full-state types: a response was rejected since the last ACK. A client may have applied the
   * part of it that it could (Envoy, and Weft's proxy, keep the listeners and clusters that took),
   * so it is not taken to run the acknowledged version any more: if the config comes back to that
   * version, it is sent again, and the client's ACK of it proves it runs exactly that.
   */
  #partlyApplied = false;
  /** Resources of rejected responses that differ from what the client runs (CSDS reports them as ERROR). */
  #rejected: Map<string, SnapshotResource> | undefined;

  constructor(typeUrl: string, fullState: boolean) {
    this.typeUrl = typeUrl;
    this.fullState = fullState;
  }

  /** The nonce of the response awaiting its ACK or NACK, if one is (there is at most one). */
  get pendingNonces(): string[] {
    return this.#inFlight ? [this.#inFlight.nonce] : [];
  }

  get awaitingAck(): boolean {
    return this.#inFlight !== undefined;
  }

  get wildcard(): boolean {
    return this.#sub.wildcard;
  }

  /** Subscribed names, `*` first when the subscription is a wildcard. */
  subscribed(): string[] {
    return [...(this.#sub.wildcard ? ["*"] : []), ...this.#sub.names];
  }

  /**
   * Takes a request for this type: classifies it by nonce (docs/xds-protocol.md #3, #4, #7), settles
   * the response in flight on ACK or NACK, and applies its resource_names (docs/xds-protocol.md #9,
   * #10). `now` stamps a NACK.
   * A request that changes the subscription while a response is still in flight (it can only
   * carry an empty nonce, or it would have been an answer or stale) lets plan() supersede that
   * response.
   */
  receive(
    request: {
      responseNonce: string;
      resourceNames: readonly string[];
      errorDetail?: { message: string } | undefined;
      versionInfo: string;
    },
    snapshot: SnapshotView | undefined,
    now: Date,
  ): RequestKind {
    let kind: RequestKind;
    if (request.responseNonce === "") kind = "request";
    else if (request.responseNonce !== this.#lastNonce) return "stale";
    else kind = request.errorDetail ? "nack" : "ack";

    const inFlight = this.#inFlight;
    if (inFlight && kind === "ack") this.#settleAck(inFlight);
    else if (inFlight && kind === "nack") this.#settleNack(inFlight.plan, request.errorDetail?.message ?? "", now);
    if (kind === "ack" || kind === "nack") {
      this.#inFlight = undefined;
      this.#superseding = false;
    }

    const firstRequest = !this.#requested;
    this.#requested = true;
    if (this.#subscribe(request.resourceNames) && this.#inFlight) this.#superseding = true;
    if (firstRequest && request.versionInfo !== "" && snapshot) this.#adoptReconnect(request.versionInfo, snapshot);
    return kind;
  }

  #settleAck({ plan, sub }: InFlight): void {
    // A rejected version is held back only until the client accepts something newer: after
    // that, the same content is a new change (say, an operator's revert) and may be offered.
    if (this.fullState) {
      this.#acked = plan.selection?.byName ?? byName(plan.resources);
      this.#nackedVersions = undefined;
      this.#rejected = undefined;
    } else if (plan.selection && sub.key === this.#sub.key) {
      this.#acked = plan.selection.byName;
      this.#forgetRejections(plan.resources);
    } else {
      // Planned for another subscription (the client changed it while this was in flight): keep
      // only names still subscribed, so a name dropped meanwhile is sent again if asked for again.
      const acked = new Map(this.#acked);
      for (const r of plan.resources) acked.set(r.name, r);
      if (!this.#sub.wildcard) for (const name of acked.keys()) if (!this.#sub.names.has(name)) acked.delete(name);
      this.#acked = acked;
      this.#forgetRejections(plan.resources);
    }
    this.#ackedVersion = plan.version;
    this.#lastResponseNacked = false;
    this.#partlyApplied = false;
  }

  #forgetRejections(accepted: readonly SnapshotResource[]): void {
    for (const r of accepted) {
      this.#rejected?.delete(r.name);
      if (this.#nackedResources) {
        for (const rejected of this.#nackedResources) {
          if (rejected.startsWith(`${r.name}@`)) this.#nackedResources.delete(rejected);
        }
      }
    }
  }

  /** A NACK is recognised by error_detail alone (docs/xds-protocol.md #4); the client keeps its last good config. */
  #settleNack(plan: SotwResponsePlan, message: string, now: Date): void {
    if (this.fullState) {
      this.#nackedVersions ??= new Set();
      this.#nackedVersions.add(plan.version);
    } else {
      this.#nackedResources ??= new Set();
      for (const r of plan.resources) this.#nackedResources.add(`${r.name}@${r.version}`);
    }
    for (const r of plan.resources) {
      if (this.#acked.get(r.name)?.version === r.version) continue;
      this.#rejected ??= new Map();
      this.#rejected.set(r.name, r);
    }
    this.#lastNack = { message, at: now, version: plan.version };
    this.#lastResponseNacked = true;
    if (this.fullState) this.#partlyApplied = true;
    this.#sentVersion = this.#ackedVersion;
    this.#heldVersion = undefined;
  }

  /**
   * `*` subscribes to everything; an empty list is a wildcard only until names were sent
   * (docs/xds-protocol.md #9, #10). Returns whether the subscription changed.
   */
  #subscribe(names: readonly string[]): boolean {
    if (this.#lastNames !== undefined && sameNames(names, this.#lastNames)) return false;
    this.#lastNames = names;
    const previous = this.#sub;
    if (names.length === 0) {
      this.#sub = subscription(!this.#everNamed, []);
    } else {
      this.#everNamed = true;
      this.#sub = subscription(
        names.includes("*"),
        names.filter((n) => n !== "*"),
      );
    }
    if (this.#sub.key === previous.key) return false;
    this.#heldVersion = undefined;
    if (!this.fullState && !this.#sub.wildcard) {
      // An unsubscribed name is forgotten, so subscribing again re-sends it (docs/xds-protocol.md #8).
      const names = this.#sub.names;
      if ([...this.#acked.keys()].some((name) => !names.has(name))) {
        this.#acked = new Map([...this.#acked].filter(([name]) => names.has(name)));
      }
      if (this.#rejected) for (const name of this.#rejected.keys()) if (!names.has(name)) this.#rejected.delete(name);
    }
    return true;
  }

  /**
   * A client reconnecting after a stream restart reports the version it last accepted
   * (docs/xds-protocol.md #39).
   * When that is exactly what it would be sent now (versions hash names and contents, so equal
   * means identical), it already runs this config: nothing is resent.
   */
  #adoptReconnect(versionInfo: string, snapshot: SnapshotView): void {
    const selection = snapshot.select(this.typeUrl, this.#sub);
    if (selection.version !== versionInfo) return;
    this.#acked = selection.byName;
    this.#ackedVersion = selection.version;
    this.#sentVersion = selection.version;
    this.#lastSentVersion = selection.version;
    this.#heldVersion = selection.version;
    this.#partlyApplied = false;
  }

  /**
   * The response this type needs now for `snapshot`, or undefined when the client is current,
   * has not asked yet, or still holds an unanswered response that no subscription change has
   * superseded since (see the top of this file). `retain` (full-state types only)
   * lists resources the client holds that must stay in the response although the snapshot
   * dropped them: removals wait until the resources that referred to them are updated (docs/xds-protocol.md #31).
   * Whoever calls plan() sends what it returns.
   */
  plan(snapshot: SnapshotView, retain = false): SotwResponsePlan | undefined {
    if (!this.#requested) return undefined;
    if (this.#inFlight) {
      if (!this.#superseding) return undefined;
      // The subscription change is answered now, by this plan or, if the new subscription brings
      // nothing new, by the response in flight; either way later snapshot changes wait for an ACK.
      this.#superseding = false;
    }
    return this.#planFor(snapshot, retain);
  }

  #planFor(snapshot: SnapshotView, retain: boolean): SotwResponsePlan | undefined {
    const selection = snapshot.select(this.typeUrl, this.#sub);
    if (this.fullState) {
      let version = selection.version;
      let resources = selection.resources;
      let shared: Selection | undefined = selection;
      if (retain) {
        const kept = [...this.#acked.values()].filter(
          (r) => !selection.byName.has(r.name) && (this.#sub.wildcard || this.#sub.names.has(r.name)),
        );
        if (kept.length > 0) {
          resources = [...resources, ...kept].sort((a, b) => (a.name < b.name ? -1 : 1));
          version = versionOfSet(resources);
          shared = undefined;
        }
      }
      if (this.#nackedVersions?.has(version)) return undefined;
      // The config came back to what the client accepted (say, a bad change reverted): it is sent
      // again when the client may have applied part of what it rejected in between.
      if (version === this.#sentVersion && !(this.#partlyApplied && version === this.#ackedVersion)) return undefined;
      return { version, resources, contentKey: version, selection: shared };
    }
    // RDS and EDS: only what changed (docs/xds-protocol.md #12); a rejected version is not offered again.
    const version = selection.version;
    if (version === this.#heldVersion) return undefined;
    const changed: SnapshotResource[] = [];
    let complete = true;
    for (const r of selection.resources) {
      if (this.#acked.get(r.name)?.version === r.version) continue;
      if (this.#nackedResources?.has(`${r.name}@${r.version}`)) complete = false;
      else changed.push(r);
    }
    // Nothing new: no response, except the first answer to a request, which may be empty.
    if (changed.length === 0 && this.#sentVersion !== undefined) {
      this.#heldVersion = version;
      // Nothing held back for a NACK: the client runs everything selected.
      if (complete) this.#lastResponseNacked = false;
      return undefined;
    }
    return {
      version,
      resources: changed,
      contentKey: `${version}\n${changed.map((r) => r.name).join("\n")}`,
      selection: complete ? selection : undefined,
    };
  }

  /** Whether the client runs what `snapshot` holds for this type, with nothing in flight. */
  settled(snapshot: SnapshotView): boolean {
    return !this.#inFlight && this.plan(snapshot) === undefined && !this.#lastResponseNacked;
  }

  /**
   * Whether `snapshot` selects a version the client rejected: the whole version (LDS, CDS) or a
   * resource at a rejected version (RDS, EDS). Such a version is not sent again, so the client
   * does not run this snapshot even once an ACK of something else has cleared NACKED.
   */
  selectsRejected(snapshot: SnapshotView): boolean {
    const rejected = this.fullState ? this.#nackedVersions : this.#nackedResources;
    if (rejected === undefined || rejected.size === 0) return false;
    const selection = snapshot.select(this.typeUrl, this.#sub);
    if (this.fullState) return rejected.has(selection.version);
    return selection.resources.some((r) => rejected.has(`${r.name}@${r.version}`));
  }

  /** Records that `plan` went out under `nonce`. */
  sent(plan: SotwResponsePlan, nonce: string): void {
    this.#lastNonce = nonce;
    this.#superseding = false;
    this.#sentVersion = plan.version;
    this.#lastSentVersion = plan.version;
    // Something whole is on its way; its ACK (or NACK) says what the client runs.
    this.#partlyApplied = false;
    if (!this.fullState) this.#heldVersion = plan.selection ? plan.version : undefined;
    this.#inFlight = { nonce, plan, sub: this.#sub };
  }

  /** The resources of the response in flight, if any (for CSDS). */
  inFlightResources(): ReadonlyMap<string, SnapshotResource> {
    return this.#inFlight ? byName(this.#inFlight.plan.resources) : NO_RESOURCES;
  }

  /** Resources the client rejected and does not run, until it accepts another version of them (for CSDS). */
  rejectedResources(): ReadonlyMap<string, SnapshotResource> {
    return this.#rejected ?? NO_RESOURCES;
  }

  /** The version and content of each resource the client acknowledged (for CSDS). */
  ackedResources(): ReadonlyMap<string, SnapshotResource> {
    return this.#acked;
  }

  get state(): SyncState {
    if (this.#inFlight) return "STALE";
    if (this.#sentVersion === undefined) return "NOT_SENT";
    return this.#lastResponseNacked ? "NACKED" : "SYNCED";
  }

  get versionSent(): string {
    return this.#inFlight?.plan.version ?? this.#lastSentVersion;
  }

  get versionAcked(): string {
    return this.#ackedVersion;
  }

  get nonce(): string {
    return this.#lastNonce;
  }

  get lastNack(): { message: string; at: Date; version: string } | undefined {
    return this.#lastNack;
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
