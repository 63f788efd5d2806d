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
  readonly lastNack: { readonly message: string; readonly at: string } | null;
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
