// What an AdsClient reports as its state changes, for admin, metrics and tests.

/** The last response this client rejected. */
export interface NackRecord {
  readonly typeUrl: string;
  /** version_info of the rejected response. */
  readonly versionRejected: string;
  readonly nonce: string;
  /** error_detail.message as sent. */
  readonly message: string;
  /** The XdsClientError code when the error had one. */
  readonly code: string | undefined;
  /** Milliseconds since the epoch, from the injected clock. */
  readonly at: number;
}

export type AdsClientEvent =
  | { readonly type: "connected"; readonly server: string }
  | { readonly type: "disconnected"; readonly server: string; readonly reason: string }
  | {
      readonly type: "ack";
      readonly typeUrl: string;
      readonly versionInfo: string;
      /** Delta only: the names the response sent and removed. */
      readonly delta?: { readonly updated: readonly string[]; readonly removed: readonly string[] };
    }
  | { readonly type: "nack"; readonly nack: NackRecord }
  | { readonly type: "reconnecting"; readonly server: string; readonly delayMs: number };

export type AdsClientListener = (event: AdsClientEvent) => void;
