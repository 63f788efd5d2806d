// The state of one resource type on one incremental (delta) stream: subscriptions changed by
// subscribe/unsubscribe lists, what the client holds by name and version, and so which resources
// and removals the next response carries. Pure logic; item numbers refer to PROTOCOL.md.
import type { SnapshotResource, SnapshotView } from "../snapshot/snapshot.js";
import type { SyncState } from "../status/proxy-status.js";

export interface DeltaResponsePlan {
  readonly resources: readonly SnapshotResource[];
  readonly removed: readonly string[];
  /** The snapshot revision, as system_version_info (for debugging only, item 19). */
  readonly systemVersion: string;
}

interface InFlight {
  readonly nonce: string;
  readonly plan: DeltaResponsePlan;
}

export class DeltaTypeState {
  readonly typeUrl: string;
  #requested = false;
  #wildcard = false;
  readonly #names = new Set<string>();
  /** What the client holds (or was just sent), by name: its version. */
  readonly #held = new Map<string, string>();
  readonly #acked = new Map<string, SnapshotResource>();
  /** Names to send even at a version the client holds: newly subscribed ones (items 23, 25). */
  readonly #forced = new Set<string>();
  /** Subscribed names already reported as not existing (item 26: say it once). */
  readonly #reportedMissing = new Set<string>();
  readonly #nacked = new Set<string>();
  #inFlight: InFlight | undefined;
  #lastNonce = "";
  #systemVersionSent = "";
  #systemVersionAcked = "";
  #lastNack: { message: string; at: Date; version: string } | undefined;
  #lastResponseNacked = false;
  /** Resources of rejected responses, until the client accepts another version of them (CSDS's ERROR). */
  readonly #rejected = new Map<string, SnapshotResource>();
  #everSent = false;

  constructor(typeUrl: string) {
    this.typeUrl = typeUrl;
  }

  get pendingNonce(): string | undefined {
    return this.#inFlight?.nonce;
  }

  /**
   * Takes a request. Subscription changes apply whatever its nonce (item 21); the nonce only
   * settles the response in flight, as an ACK or, with error_detail, a NACK (item 20).
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
    const inFlight = this.#inFlight;
    if (inFlight && request.responseNonce === inFlight.nonce) {
      kind = request.errorDetail ? "nack" : "ack";
      this.#inFlight = undefined;
      if (kind === "ack") this.#settleAck(inFlight.plan);
      else this.#settleNack(inFlight.plan, request.errorDetail?.message ?? "", now);
    } else if (request.errorDetail && request.responseNonce === this.#lastNonce) {
      kind = "nack";
    }
    const firstRequest = !this.#requested;
    if (firstRequest) {
      this.#requested = true;
      // Item 28: a first request with both lists empty is the legacy wildcard.
      if (request.resourceNamesSubscribe.length === 0 && request.resourceNamesUnsubscribe.length === 0)
        this.#wildcard = true;
      // Item 29: on a new stream the client says what it holds; unchanged resources are not resent.
      for (const [name, version] of Object.entries(request.initialResourceVersions)) this.#held.set(name, version);
    }
    for (const name of request.resourceNamesSubscribe) {
      if (name === "*") this.#wildcard = true;
      else this.#names.add(name);
      // Item 23 sends every newly subscribed name, except one a reconnecting client reports holding
      // (item 29): it resubscribes to all its names, and those at the current version are skipped.
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
        // Item 25: still covered by the wildcard, so the client must get it (again).
        this.#forced.add(name);
      } else {
        // Item 24: the client drops it; nothing to answer.
        this.#held.delete(name);
        this.#acked.delete(name);
        this.#rejected.delete(name);
      }
    }
    return kind;
  }

  #settleAck(plan: DeltaResponsePlan): void {
    for (const r of plan.resources) {
      this.#acked.set(r.name, r);
      this.#rejected.delete(r.name);
      // A rejected version is held back until the client accepts another version of that resource.
      for (const rejected of this.#nacked) if (rejected.startsWith(`${r.name}@`)) this.#nacked.delete(rejected);
    }
    for (const name of plan.removed) {
      this.#acked.delete(name);
      this.#rejected.delete(name);
    }
    this.#systemVersionAcked = plan.systemVersion;
    this.#lastResponseNacked = false;
  }

  /** The client rejected the whole response and keeps what it had: put `held` back, and never offer those versions again. */
  #settleNack(plan: DeltaResponsePlan, message: string, now: Date): void {
    for (const r of plan.resources) {
      this.#nacked.add(`${r.name}@${r.version}`);
      this.#rejected.set(r.name, r);
      const acked = this.#acked.get(r.name);
      if (acked) this.#held.set(r.name, acked.version);
      else this.#held.delete(r.name);
    }
    for (const name of plan.removed) {
      const acked = this.#acked.get(name);
      if (acked) this.#held.set(name, acked.version);
      // A rejected removal is not offered again either (`name@` with no version marks it).
      this.#nacked.add(`${name}@`);
    }
    this.#lastNack = { message, at: now, version: plan.systemVersion };
    this.#lastResponseNacked = true;
  }

  #interested(name: string): boolean {
    return this.#wildcard || this.#names.has(name);
  }

  /**
   * The response this type needs now, or undefined. Only resources whose version the client does
   * not hold are sent (item 27); resources it holds that are gone, and subscribed names that do
   * not exist, are listed as removed (items 26, 29). `holdRemovals` keeps removals back (item 31).
   */
  plan(snapshot: SnapshotView, holdRemovals = false): DeltaResponsePlan | undefined {
    if (!this.#requested || this.#inFlight) return undefined;
    const all = snapshot.resources(this.typeUrl);
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

  settled(snapshot: SnapshotView): boolean {
    return !this.#inFlight && !this.#lastResponseNacked && this.plan(snapshot) === undefined;
  }

  sent(plan: DeltaResponsePlan, nonce: string): void {
    this.#lastNonce = nonce;
    this.#everSent = true;
    this.#inFlight = { nonce, plan };
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

  inFlightResources(): ReadonlyMap<string, SnapshotResource> {
    return new Map((this.#inFlight?.plan.resources ?? []).map((r) => [r.name, r]));
  }

  get state(): SyncState {
    if (this.#inFlight) return "STALE";
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
