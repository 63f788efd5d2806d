// The state of one resource type on one incremental (delta) stream: subscriptions changed by
// subscribe/unsubscribe lists, what the client holds by name and version, and so which resources
// and removals the next response carries. Pure logic: no sockets, no timers; the stream drives it.
//
// Several responses may be in flight at once. A snapshot change is sent only when nothing is
// awaiting an ACK (the client's pace sets ours), but a request that subscribes to names is
// answered at once with just those names, whatever is in flight: the client asked for them and
// may be blocked on them. Each ACK or NACK names its response by nonce and settles that one.
import { type SnapshotResource, type SnapshotView, subscribedResources } from "../snapshot/snapshot.js";
import type { SyncState } from "../status/proxy-status.js";

/** A held version no resource has: the client may run the acknowledged or the rejected one. */
const UNKNOWN_VERSION = "";

export interface DeltaResponsePlan {
  readonly resources: readonly SnapshotResource[];
  readonly removed: readonly string[];
  /** The snapshot revision, as system_version_info (which the protocol leaves to debugging). */
  readonly systemVersion: string;
}

interface InFlight {
  /** Order of sending on this type: settling never lets an older response undo a newer one. */
  readonly seq: number;
  readonly plan: DeltaResponsePlan;
}

export class DeltaTypeState {
  readonly typeUrl: string;
  /**
   * Whether a client may apply part of a response it rejects (listeners and clusters: Envoy, and
   * Weft's proxy, keep those of a rejected response that took). After such a NACK the client's
   * version of each name in the response is unknown, so whatever the config holds for it next
   * (a revert included) is sent, and a name that goes away is named as removed.
   */
  readonly #partlyApplies: boolean;
  #requested = false;
  #wildcard = false;
  readonly #names = new Set<string>();
  /** What the client holds (or was just sent), by name: its version. */
  readonly #held = new Map<string, string>();
  readonly #acked = new Map<string, SnapshotResource>();
  /** Per acknowledged name, the seq of the response whose ACK put it there (or removed it). */
  readonly #ackedSeq = new Map<string, number>();
  /**
   * Names to send even at a version the client holds: every newly subscribed name, and a name
   * unsubscribed while a wildcard still covers it. These are what is answered at once.
   */
  readonly #forced = new Set<string>();
  /** Subscribed names already reported as not existing: said once, again only if subscribed again. */
  readonly #reportedMissing = new Set<string>();
  /** name@version pairs the client rejected (`name@` for a rejected removal): not offered again. */
  readonly #nacked = new Set<string>();
  /** Responses awaiting their ACK or NACK, by nonce, oldest first. */
  readonly #inFlight = new Map<string, InFlight>();
  #sends = 0;
  #lastNonce = "";
  #systemVersionSent = "";
  #systemVersionAcked = "";
  #ackedVersionSeq = 0;
  #lastNack: { message: string; at: Date; version: string } | undefined;
  #lastResponseNacked = false;
  /** How many responses had been sent when the last NACK came: only an ACK of a later one clears NACKED. */
  #sendsAtNack = 0;
  /** Resources of rejected responses, until the client accepts another version of them (CSDS's ERROR). */
  readonly #rejected = new Map<string, SnapshotResource>();
  #everSent = false;

  constructor(typeUrl: string, partlyApplies = false) {
    this.typeUrl = typeUrl;
    this.#partlyApplies = partlyApplies;
  }

  /** Nonces of the responses awaiting an ACK or NACK, oldest first. */
  get pendingNonces(): string[] {
    return [...this.#inFlight.keys()];
  }

  get awaitingAck(): boolean {
    return this.#inFlight.size > 0;
  }

  /**
   * Takes a request. Subscription changes apply whatever its nonce (a delta client may change them
   * at any time); the nonce only settles the response it names, as an ACK or, with error_detail,
   * a NACK.
   */
  receive(
    request: {
      responseNonce: string;
      resourceNamesSubscribe: readonly string[];
      resourceNamesUnsubscribe: readonly string[];
      initialResourceVersions: Readonly<Record<string, string>>;
      errorDetail?: { message: string } | undefined;
    },
    now: Date,
  ): "request" | "ack" | "nack" {
    let kind: "request" | "ack" | "nack" = "request";
    const answered = this.#inFlight.get(request.responseNonce);
    if (answered) {
      kind = request.errorDetail ? "nack" : "ack";
      this.#inFlight.delete(request.responseNonce);
      if (kind === "ack") this.#settleAck(answered);
      else this.#settleNack(answered, request.errorDetail?.message ?? "", now);
    } else if (request.errorDetail && request.responseNonce === this.#lastNonce) {
      kind = "nack";
    }
    const firstRequest = !this.#requested;
    if (firstRequest) {
      this.#requested = true;
      // A first request with both lists empty is the legacy wildcard; one that only unsubscribes is not.
      if (request.resourceNamesSubscribe.length === 0 && request.resourceNamesUnsubscribe.length === 0)
        this.#wildcard = true;
      // On a new stream the client says what it holds; what it holds at the current version is not resent.
      for (const [name, version] of Object.entries(request.initialResourceVersions)) this.#held.set(name, version);
    }
    for (const name of request.resourceNamesSubscribe) {
      if (name === "*") this.#wildcard = true;
      else this.#names.add(name);
      // Every subscribed name is sent, even at a version the client holds, except one a reconnecting
      // client reports holding: it resubscribes to all its names, and those still current are skipped.
      if (!(firstRequest && Object.hasOwn(request.initialResourceVersions, name))) this.#forced.add(name);
      this.#reportedMissing.delete(name);
    }
    for (const name of request.resourceNamesUnsubscribe) {
      if (name === "*") {
        this.#wildcard = false;
        continue;
      }
      this.#names.delete(name);
      this.#forced.delete(name);
      if (this.#wildcard) {
        // Still covered by the wildcard, so the client must get it (again).
        this.#forced.add(name);
      } else {
        // The client drops it; nothing to answer.
        this.#held.delete(name);
        this.#acked.delete(name);
        this.#ackedSeq.delete(name);
        this.#rejected.delete(name);
      }
    }
    return kind;
  }

  /** Whether a response sent after `seq` carries `name` and still awaits its answer. */
  #newerInFlight(name: string, seq: number): boolean {
    for (const other of this.#inFlight.values()) {
      if (other.seq <= seq) continue;
      if (other.plan.removed.includes(name) || other.plan.resources.some((r) => r.name === name)) return true;
    }
    return false;
  }

  /** Whether the client's latest answer about `name` came for a response sent after `seq`. */
  #settledLater(name: string, seq: number): boolean {
    return (this.#ackedSeq.get(name) ?? 0) > seq;
  }

  #settleAck({ seq, plan }: InFlight): void {
    for (const r of plan.resources) {
      // Unsubscribed since it was sent, or already answered for a newer response: nothing to record.
      if (!this.#interested(r.name) || this.#settledLater(r.name, seq)) continue;
      this.#acked.set(r.name, r);
      this.#ackedSeq.set(r.name, seq);
      this.#rejected.delete(r.name);
      // A rejected version is held back until the client accepts another version of that resource.
      for (const rejected of this.#nacked) if (rejected.startsWith(`${r.name}@`)) this.#nacked.delete(rejected);
    }
    for (const name of plan.removed) {
      if (this.#settledLater(name, seq)) continue;
      this.#acked.delete(name);
      this.#ackedSeq.set(name, seq);
      this.#rejected.delete(name);
    }
    // versionAcked reports the newest response acknowledged, however the ACKs are ordered.
    if (seq > this.#ackedVersionSeq) {
      this.#ackedVersionSeq = seq;
      this.#systemVersionAcked = plan.systemVersion;
    }
    if (seq > this.#sendsAtNack) this.#lastResponseNacked = false;
  }

  /**
   * The client rejected the whole response and keeps what it had: put `held` back (unless a newer
   * response in flight carries the name, which then decides), and never offer those versions again.
   */
  #settleNack({ seq, plan }: InFlight, message: string, now: Date): void {
    for (const r of plan.resources) {
      this.#nacked.add(`${r.name}@${r.version}`);
      if (this.#acked.get(r.name)?.version !== r.version) this.#rejected.set(r.name, r);
      if (this.#newerInFlight(r.name, seq)) continue;
      const acked = this.#acked.get(r.name);
      if (this.#partlyApplies && acked?.version !== r.version) this.#held.set(r.name, UNKNOWN_VERSION);
      else if (acked) this.#held.set(r.name, acked.version);
      else this.#held.delete(r.name);
    }
    for (const name of plan.removed) {
      const acked = this.#acked.get(name);
      if (acked && !this.#newerInFlight(name, seq)) this.#held.set(name, acked.version);
      // A rejected removal is not offered again either (`name@` with no version marks it).
      this.#nacked.add(`${name}@`);
    }
    this.#lastNack = { message, at: now, version: plan.systemVersion };
    this.#lastResponseNacked = true;
    this.#sendsAtNack = this.#sends;
  }

  /** What this client may be sent: a resource served only when named counts only if it names it. */
  #visible(snapshot: SnapshotView): ReadonlyMap<string, SnapshotResource> {
    return subscribedResources(snapshot, this.typeUrl, this.#wildcard, this.#names);
  }

  #interested(name: string): boolean {
    return this.#wildcard || this.#names.has(name);
  }

  /**
   * The response this type needs now, or undefined. Only resources whose version the client does
   * not hold are sent; resources it holds that are gone, and subscribed names that do not exist,
   * are listed as removed. `holdRemovals` keeps removals of held resources back (the stream holds
   * cluster and endpoint removals until the listeners and routes that used them have moved).
   *
   * While a response awaits its answer, only newly subscribed names are planned (see the top of
   * this file); everything else waits for the client to catch up.
   */
  plan(snapshot: SnapshotView, holdRemovals = false): DeltaResponsePlan | undefined {
    if (!this.#requested) return undefined;
    if (this.#inFlight.size > 0) return this.#planSubscribed(snapshot);
    const all = this.#visible(snapshot);
    const resources: SnapshotResource[] = [];
    for (const resource of all.values()) {
      if (!this.#interested(resource.name)) continue;
      const stale = this.#held.get(resource.name) !== resource.version || this.#forced.has(resource.name);
      if (stale && !this.#nacked.has(`${resource.name}@${resource.version}`)) resources.push(resource);
    }
    const removed: string[] = [];
    if (!holdRemovals) {
      for (const name of this.#held.keys()) if (!all.has(name) && !this.#nacked.has(`${name}@`)) removed.push(name);
    }
    for (const name of this.#names) {
      if (!all.has(name) && !this.#held.has(name) && !this.#reportedMissing.has(name)) removed.push(name);
    }
    if (resources.length === 0 && removed.length === 0) {
      // The first answer may be empty: it tells the client the server has nothing for it.
      if (this.#everSent) return undefined;
    }
    return { resources, removed: removed.sort(), systemVersion: String(snapshot.revision) };
  }

  /**
   * The answer to a subscription change while responses are in flight: the newly subscribed
   * resources, and those names among them that do not exist. A forced name the client holds that
   * has gone from the snapshot is a removal, and removals wait with the rest of the snapshot.
   */
  #planSubscribed(snapshot: SnapshotView): DeltaResponsePlan | undefined {
    if (this.#forced.size === 0) return undefined;
    const all = this.#visible(snapshot);
    const resources: SnapshotResource[] = [];
    const removed: string[] = [];
    for (const name of this.#forced) {
      if (!this.#interested(name)) continue;
      const resource = all.get(name);
      if (resource) {
        if (!this.#nacked.has(`${name}@${resource.version}`)) resources.push(resource);
      } else if (this.#names.has(name) && !this.#held.has(name) && !this.#reportedMissing.has(name)) {
        removed.push(name);
      }
    }
    if (resources.length === 0 && removed.length === 0) return undefined;
    resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { resources, removed: removed.sort(), systemVersion: String(snapshot.revision) };
  }

  settled(snapshot: SnapshotView): boolean {
    return this.#inFlight.size === 0 && !this.#lastResponseNacked && this.plan(snapshot) === undefined;
  }

  /**
   * Whether `snapshot` holds, for a name the client is interested in, a version it rejected, or
   * drops a name whose removal it rejected. Neither is sent again, so the client does not run this
   * snapshot even once an ACK of a later response has cleared NACKED.
   */
  selectsRejected(snapshot: SnapshotView): boolean {
    if (this.#nacked.size === 0) return false;
    const all = this.#visible(snapshot);
    for (const resource of all.values()) {
      if (this.#interested(resource.name) && this.#nacked.has(`${resource.name}@${resource.version}`)) return true;
    }
    for (const name of this.#held.keys()) if (!all.has(name) && this.#nacked.has(`${name}@`)) return true;
    return false;
  }

  sent(plan: DeltaResponsePlan, nonce: string): void {
    this.#lastNonce = nonce;
    this.#everSent = true;
    this.#inFlight.set(nonce, { seq: ++this.#sends, plan });
    this.#systemVersionSent = plan.systemVersion;
    for (const r of plan.resources) {
      this.#held.set(r.name, r.version);
      this.#forced.delete(r.name);
    }
    for (const name of plan.removed) {
      this.#held.delete(name);
      this.#forced.delete(name);
      if (this.#names.has(name)) this.#reportedMissing.add(name);
    }
  }

  subscribed(): string[] {
    return [...(this.#wildcard ? ["*"] : []), ...[...this.#names].sort()];
  }

  rejectedResources(): ReadonlyMap<string, SnapshotResource> {
    return this.#rejected;
  }

  ackedResources(): ReadonlyMap<string, SnapshotResource> {
    return this.#acked;
  }

  /** What the responses in flight carry, by name; the newest response's version of a name wins. */
  inFlightResources(): ReadonlyMap<string, SnapshotResource> {
    const out = new Map<string, SnapshotResource>();
    for (const { plan } of this.#inFlight.values()) for (const r of plan.resources) out.set(r.name, r);
    return out;
  }

  get state(): SyncState {
    if (this.#inFlight.size > 0) return "STALE";
    if (!this.#everSent) return "NOT_SENT";
    return this.#lastResponseNacked ? "NACKED" : "SYNCED";
  }

  get versionSent(): string {
    return this.#systemVersionSent;
  }

  get versionAcked(): string {
    return this.#systemVersionAcked;
  }

  get nonce(): string {
    return this.#lastNonce;
  }

  get lastNack(): { message: string; at: Date; version: string } | undefined {
    return this.#lastNack;
  }
}
