// What a call on the TLS xDS port proves about its client: the SPIFFE ID of a client certificate
// that chains to the mesh root. grpc-js reports a peer certificate only when the TLS handshake
// verified it against the server's roots (`authorized`), so a certificate from another root, an
// expired one and none at all all read as "no certificate" here. On the plaintext port there is
// never one.
import type { PeerCertificate } from "node:tls";

/** The part of a gRPC server call this reads (every grpc-js server call has it). */
export interface PeerCall {
  getAuthContext(): { readonly sslPeerCertificate?: PeerCertificate | undefined };
  getPeer(): string;
}

export interface PeerIdentity {
  /** The certificate's first `spiffe://` URI SAN; undefined when it has none. */
  readonly spiffeId: string | undefined;
  /** Hexadecimal, as X.509 tools print it. */
  readonly serialNumber: string;
  readonly notAfter: Date;
}

/** The verified client certificate's identity, or undefined when the call presented none that verified. */
export function peerIdentityOf(call: PeerCall): PeerIdentity | undefined {
  const certificate = call.getAuthContext().sslPeerCertificate;
  if (certificate === undefined) return undefined;
  const spiffeId = /(?:^|,\s*)URI:(spiffe:\/\/[^,\s]+)/.exec(certificate.subjectaltname ?? "")?.[1];
  return { spiffeId, serialNumber: certificate.serialNumber, notAfter: new Date(certificate.valid_to) };
}
