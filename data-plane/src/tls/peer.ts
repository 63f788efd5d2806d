// The identity a downstream connection proved with its client certificate, kept on its TLS socket
// so that every request on the connection (HTTP/1.1, or HTTP/2 through node's socket proxy) can
// read it: the access log, x-forwarded-client-cert and authorization use it.
import { createHash } from "node:crypto";
import type tls from "node:tls";
import { type PeerSans, peerSans } from "./tls-contexts.js";

export interface DownstreamPeer {
  /** The certificate's SANs by type; URI holds a workload's SPIFFE ID. */
  readonly sans: PeerSans;
  /** The subject as a distinguished name ("CN=web,O=weft"), empty if it has none. */
  readonly subject: string;
  /** SHA-256 of the certificate's DER, hex (x-forwarded-client-cert's Hash). */
  readonly hash: string;
  /** The certificate, DER. */
  readonly der: Buffer;
  /** The URI SAN of the certificate this side presented (x-forwarded-client-cert's By), if any. */
  readonly localUri: string | undefined;
}

const PEER = Symbol.for("weft.tls.peer");

type Tagged = { [PEER]?: DownstreamPeer };

/** Reads the verified peer of `socket` and keeps it on the socket; undefined when it sent no certificate. */
export function recordPeer(socket: tls.TLSSocket): DownstreamPeer | undefined {
  const certificate = socket.getPeerCertificate();
  if (certificate === null || certificate.raw === undefined) return undefined;
  const peer: DownstreamPeer = Object.freeze({
    sans: peerSans(certificate),
    subject: subjectOf(certificate.subject),
    hash: createHash("sha256").update(certificate.raw).digest("hex"),
    der: certificate.raw,
    localUri: peerSans((socket.getCertificate() as tls.PeerCertificate | null) ?? undefined).URI[0],
  });
  (socket as Tagged)[PEER] = peer;
  return peer;
}

/**
 * The verified peer of the connection a request came on: `socket` is the request's socket (an
 * HTTP/2 request's socket is a proxy that reads through to the TLS socket). Undefined for
 * plaintext, or TLS without a client certificate.
 */
export function peerOf(socket: unknown): DownstreamPeer | undefined {
  if (socket === null || typeof socket !== "object") return undefined;
  return (socket as Tagged)[PEER];
}

function subjectOf(subject: tls.Certificate | undefined): string {
  if (subject === undefined) return "";
  return Object.entries(subject)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("+") : String(value)}`)
    .join(",");
}
