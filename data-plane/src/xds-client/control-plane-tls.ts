// TLS to the control plane's TLS xDS port, as a sidecar speaks it: the control plane's certificate
// is verified against the mesh root given out of band (`--xds-root-cert`; a join token alone is
// not a reason to trust whoever answers), and named by its SPIFFE ID, spiffe://DOMAIN/control-plane,
// not by the address dialled, so any address of the control plane works. Before the sidecar has a
// workload certificate the channel authenticates the server only (CreateCertificate with the join
// token); after, it is mutual, presenting the certificate set last: each new connection takes the
// current one, and a connection open across a renewal keeps the one it was made with until the
// control plane ends it (it asks clients to reconnect every 30 minutes).
import type { PeerCertificate } from "node:tls";
import { type ChannelCredentials, type ChannelOptions, experimental } from "@grpc/grpc-js";

/** What a gRPC client to the control plane is made with. */
export interface XdsChannel {
  readonly credentials: ChannelCredentials;
  readonly options: ChannelOptions;
}

/** The SNI name sent: TLS forbids an IP address there, and the server name is checked by SPIFFE ID anyway. */
export const CONTROL_PLANE_SERVER_NAME = "control-plane.weft";

const CONTROL_PLANE_ID = /(?:^|,\s*)URI:spiffe:\/\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?\/control-plane(?:,|$)/;

/**
 * node's checkServerIdentity for the control plane, run after the chain verified against the mesh
 * root: the certificate must carry a control plane's SPIFFE ID (no workload certificate has one).
 */
export function checkControlPlaneIdentity(_host: string, certificate: PeerCertificate): Error | undefined {
  if (CONTROL_PLANE_ID.test(certificate.subjectaltname ?? "")) return undefined;
  return new Error(
    `the server's certificate (${certificate.subjectaltname ?? "no SAN"}) is not a control plane's (spiffe://DOMAIN/control-plane)`,
  );
}

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/**
 * The mesh root and, once set, the workload's certificate, for grpc-js channels. Values reach a
 * listener after the call stack that added it (grpc-js reads them on the next connection).
 */
export class ControlPlaneTrust implements experimental.CertificateProvider {
  readonly #rootPem: string;
  #identity: { readonly certificate: Buffer; readonly privateKey: Buffer } | undefined;
  readonly #caListeners = new Set<CaListener>();
  readonly #identityListeners = new Set<IdentityListener>();
  readonly #serverOnly: XdsChannel;
  readonly #mutual: XdsChannel;

  constructor(rootPem: string) {
    this.#rootPem = rootPem;
    const options = { "grpc.ssl_target_name_override": CONTROL_PLANE_SERVER_NAME };
    const verify = { checkServerIdentity: checkControlPlaneIdentity };
    this.#serverOnly = {
      credentials: experimental.createCertificateProviderChannelCredentials(this, null, verify),
      options,
    };
    this.#mutual = {
      credentials: experimental.createCertificateProviderChannelCredentials(this, this, verify),
      options,
    };
  }

  /** The channel that authenticates the server only: for CreateCertificate before there is a certificate. */
  get serverAuthenticated(): XdsChannel {
    return this.#serverOnly;
  }

  /** The channel presenting the workload certificate: connections fail until `setIdentity` was called. */
  get mutual(): XdsChannel {
    return this.#mutual;
  }

  /** The workload certificate new connections present from now on: its chain (PEM) and key. */
  setIdentity(chainPem: string, keyPem: string): void {
    this.#identity = { certificate: Buffer.from(chainPem), privateKey: Buffer.from(keyPem) };
    for (const listener of this.#identityListeners) listener(this.#identity);
  }

  addCaCertificateListener(listener: CaListener): void {
    this.#caListeners.add(listener);
    queueMicrotask(() => {
      if (this.#caListeners.has(listener)) listener({ caCertificate: Buffer.from(this.#rootPem) });
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.#caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.#identityListeners.has(listener) && this.#identity !== undefined) listener(this.#identity);
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.delete(listener);
  }
}
