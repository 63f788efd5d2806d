// The state of one resource type on one state-of-the-world stream: what the client subscribes to,
// what it was sent, what it acknowledged or rejected, and therefore what it must be sent next.
// Pure logic: no sockets, no timers; the stream drives it. Item numbers refer to PROTOCOL.md.
import { createHash } from "node:crypto";
import type { SnapshotResource, SnapshotView } from "../snapshot/snapshot.js";
import type { SyncState } from "../status/proxy-status.js";

/** What a request means for this type. */
export type RequestKind =
  /** The first request for the type, or one sent on the client's own initiative (empty nonce). */
  | "request"
  | "ack"
  | "nack"
  /** Answers a response that was superseded; ignored entirely (item 7). */
  | "stale";

export interface SotwResponsePlan {
  readonly version: string;
  readonly resources: readonly SnapshotResource[];
}

interface InFlight {
  readonly nonce: string;
  readonly version: string;
  readonly resources: ReadonlyMap<string, SnapshotResource>;
}

export class SotwTypeState {
  readonly typeUrl: string;
  /** LDS and CDS: every response carries every subscribed resource, and absence means deletion (items 12, 13). */
  readonly fullState: boolean;

  #requested = false;
  #wildcard = false;
  #names = new Set<string>();
  /** Whether any resource name was ever sent for this type on this stream: ends the legacy wildcard (item 10). */
  #everNamed = false;

  #lastNonce = "";
  #inFlight: InFlight | undefined;
  /** What the client runs: the resources of every response it acknowledged. */
  #acked = new Map<string, SnapshotResource>();
  #ackedVersion = "";
  /** version_info of the last response sent, or adopted on reconnect. */
  #sentVersion: string | undefined;
  /** Versions (full-state types) and name@version pairs (partial types) the client rejected: never sent again. */
  readonly #nackedVersions = new Set<string>();
  readonly #nackedResources = new Set<string>();
  #lastNack: { message: string; at: Date; version: string } | undefined;
  #lastResponseNacked = false;
  /** Resources of rejected responses that differ from what the client runs (CSDS reports them as ERROR). */
  #rejected = new Map<string, SnapshotResource>();

  constructor(typeUrl: string, fullState: boolean) {
    this.typeUrl = typeUrl;
    this.fullState = fullState;
  }

  /** The nonce of the response in flight, if one is: while it is, nothing else is sent for this type. */
  get pendingNonce(): string | undefined {
    return this.#inFlight?.nonce;
  }

  get wildcard(): boolean {
    return this.#wildcard;
  }

  /** Subscribed names, `*` first when the subscription is a wildcard. */
  subscribed(): string[] {
    return [...(this.#wildcard ? ["*"] : []), ...[...this.#names].sort()];
  }

  /**
   * Takes a request for this type: classifies it by nonce (items 3, 4, 7), settles the response in
   * flight on ACK or NACK, and applies its resource_names (items 9, 10). `now` stamps a NACK.
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
    if (inFlight && kind === "ack") {
      // A rejected version is held back only until the client accepts something newer: after
      // that, the same content is a new change (say, an operator's revert) and may be offered.
      if (this.fullState) {
        this.#acked = new Map(inFlight.resources);
        this.#nackedVersions.clear();
        this.#rejected.clear();
      } else {
        for (const [name, resource] of inFlight.resources) {
          this.#acked.set(name, resource);
          this.#rejected.delete(name);
          for (const rejected of this.#nackedResources)
            if (rejected.startsWith(`${name}@`)) this.#nackedResources.delete(rejected);
        }
      }
      this.#ackedVersion = inFlight.version;
      this.#lastResponseNacked = false;
    } else if (inFlight && kind === "nack") {
      // A NACK is recognised by error_detail alone (item 4); the client keeps its last good config.
      const version = inFlight.version;
      if (this.fullState) this.#nackedVersions.add(version);
      else for (const r of inFlight.resources.values()) this.#nackedResources.add(`${r.name}@${r.version}`);
      for (const r of inFlight.resources.values())
        if (this.#acked.get(r.name)?.version !== r.version) this.#rejected.set(r.name, r);
      this.#lastNack = { message: request.errorDetail?.message ?? "", at: now, version };
      this.#lastResponseNacked = true;
      this.#sentVersion = this.#ackedVersion;
    }
    if (kind === "ack" || kind === "nack") this.#inFlight = undefined;

    const firstRequest = !this.#requested;
    this.#requested = true;
    this.#subscribe(request.resourceNames);
    if (firstRequest && request.versionInfo !== "" && snapshot) this.#adoptReconnect(request.versionInfo, snapshot);
    return kind;
  }

  /** Items 9 and 10: `*` subscribes to everything; an empty list is a wildcard only until names were sent. */
  #subscribe(names: readonly string[]): void {
    if (names.length === 0) {
      this.#wildcard = !this.#everNamed;
      this.#names.clear();
    } else {
      this.#everNamed = true;
      this.#wildcard = names.includes("*");
      this.#names = new Set(names.filter((n) => n !== "*"));
    }
    if (!this.fullState && !this.#wildcard) {
      // An unsubscribed name is forgotten, so subscribing again re-sends it (item 8).
      for (const name of this.#acked.keys()) if (!this.#names.has(name)) this.#acked.delete(name);
      for (const name of this.#rejected.keys()) if (!this.#names.has(name)) this.#rejected.delete(name);
    }
  }

  /**
   * Item 39: a client reconnecting after a stream restart reports the version it last accepted.
   * When that is exactly what it would be sent now (versions hash names and contents, so equal
   * means identical), it already runs this config: nothing is resent.
   */
  #adoptReconnect(versionInfo: string, snapshot: SnapshotView): void {
    const version = this.#versionFor(snapshot);
    if (version !== versionInfo) return;
    this.#acked = new Map(this.#desired(snapshot).map((r) => [r.name, r]));
    this.#ackedVersion = version;
    this.#sentVersion = version;
  }

  #versionFor(snapshot: SnapshotView): string {
    return snapshot.versionOf(this.typeUrl, this.#wildcard ? undefined : this.#names);
  }

  #desired(snapshot: SnapshotView): SnapshotResource[] {
    const all = snapshot.resources(this.typeUrl);
    if (this.#wildcard) return [...all.values()];
    const out: SnapshotResource[] = [];
    for (const name of [...this.#names].sort()) {
      const resource = all.get(name);
      if (resource) out.push(resource);
    }
    return out;
  }

  /**
   * The response this type needs now for `snapshot`, or undefined when the client is current,
   * has not asked yet, or still holds an unanswered response. `retain` (full-state types only)
   * lists resources the client holds that must stay in the response although the snapshot
   * dropped them: removals wait until the resources that referred to them are updated (item 31).
   */
  plan(snapshot: SnapshotView, retain = false): SotwResponsePlan | undefined {
    if (!this.#requested || this.#inFlight) return undefined;
    const desired = this.#desired(snapshot);
    if (this.fullState) {
      let resources = desired;
      let version = this.#versionFor(snapshot);
      if (retain) {
        const names = new Set(desired.map((r) => r.name));
        const kept = [...this.#acked.values()].filter(
          (r) => !names.has(r.name) && (this.#wildcard || this.#names.has(r.name)),
        );
        if (kept.length > 0) {
          resources = [...desired, ...kept].sort((a, b) => (a.name < b.name ? -1 : 1));
          version = versionOfResources(resources);
        }
      }
      if (version === this.#sentVersion || this.#nackedVersions.has(version)) return undefined;
      return { version, resources };
    }
    // RDS and EDS: only what changed (item 12); a rejected version is not offered again.
    const version = this.#versionFor(snapshot);
    const changed = desired.filter(
      (r) => this.#acked.get(r.name)?.version !== r.version && !this.#nackedResources.has(`${r.name}@${r.version}`),
    );
    // Nothing new: no response, except the first answer to a request, which may be empty.
    if (changed.length === 0 && this.#sentVersion !== undefined) return undefined;
    return { version, resources: changed };
  }

  /** Whether the client runs what `snapshot` holds for this type, with nothing in flight. */
  settled(snapshot: SnapshotView): boolean {
    return !this.#inFlight && this.plan(snapshot) === undefined && !this.#lastResponseNacked;
  }

  /** Records that `plan` went out under `nonce`. */
  sent(plan: SotwResponsePlan, nonce: string): void {
    this.#lastNonce = nonce;
    this.#sentVersion = plan.version;
    this.#inFlight = { nonce, version: plan.version, resources: new Map(plan.resources.map((r) => [r.name, r])) };
  }

  /** The resources of the response in flight, if any (for CSDS). */
  inFlightResources(): ReadonlyMap<string, SnapshotResource> {
    return this.#inFlight?.resources ?? new Map();
  }

  /** Resources the client rejected and does not run, until it accepts another version of them (for CSDS). */
  rejectedResources(): ReadonlyMap<string, SnapshotResource> {
    return this.#rejected;
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
    return this.#inFlight?.version ?? this.#sentVersion ?? "";
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

/** version_info of an explicit list of resources (used when removals are held back). */
export function versionOfResources(resources: readonly SnapshotResource[]): string {
  const hash = createHash("sha256");
  for (const r of [...resources].sort((a, b) => (a.name < b.name ? -1 : 1))) hash.update(`${r.name}\0${r.version}\n`);
  return hash.digest("hex").slice(0, 24);
}
