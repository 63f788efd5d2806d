// What the control plane reports about each connected proxy (GET /v1/proxies, CSDS, metrics).
// The shape is the one the README documents under "Proxies"; the registry in this folder fills it from the xDS streams.

/** Per type URL, how the proxy stands: the server's view of its sync (CSDS ConfigStatus words). */
export type SyncState = "SYNCED" | "STALE" | "NACKED" | "NOT_SENT";

export interface TypeStatus {
  readonly state: SyncState;
  /** version_info of the last response sent for this type ("" if none). */
  readonly versionSent: string;
  /** The last version the proxy acknowledged ("" if none). */
  readonly versionAcked: string;
  /** Nonce of the last response sent ("" if none). */
  readonly nonce: string;
  /** Names the proxy subscribed to; ["*"] for a wildcard subscription. */
  readonly subscribed: readonly string[];
  /**
   * The latest store revision whose config for this type the proxy runs: it acknowledged what that
   * revision's snapshot selects for it (for its node, its subscription), or that snapshot changed
   * nothing it is sent. A type whose resources did not change advances with every snapshot; a type
   * holding a rejected version stays at the last revision it ran. null until it runs one.
   */
  readonly revision: number | null;
  /**
   * The proxy's last rejection of this type. `revision`: the latest store revision whose config
   * the proxy does not run because of a rejection (nothing more is sent for it), null while that
   * is not known (say, a corrected response is on its way).
   */
  readonly lastNack: { readonly message: string; readonly at: string; readonly revision: number | null } | null;
}

export interface ProxyStatus {
  readonly nodeId: string;
  readonly cluster: string;
  /** Peer address of the gRPC connection, e.g. "127.0.0.1:51234". */
  readonly address: string;
  /** RFC 3339. */
  readonly connectedAt: string;
  /** user_agent_name and version from the node, e.g. "weft 0.1.0" or "grpc-node-js 1.14.1". */
  readonly userAgent: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The lowest `revision` over its types: the store revision the proxy runs on every type (null if one runs none). */
  readonly revision: number | null;
  readonly types: Readonly<Record<string, TypeStatus>>;
}

/** A recent NACK, kept after its proxy disconnects. */
export interface NackRecord {
  readonly nodeId: string;
  readonly typeUrl: string;
  readonly versionRejected: string;
  /** The nonce of the rejected response, where the stream recorded it. */
  readonly nonce?: string;
  readonly message: string;
  readonly at: string;
}

/** Read side of the status registry, as the API and CSDS use it. */
export interface ProxyStatusSource {
  /** Every connected proxy, sorted by node id then connection time. */
  proxies(): ProxyStatus[];
  /** Recent NACKs, newest first, including those of proxies that have gone. */
  recentNacks(): NackRecord[];
}
