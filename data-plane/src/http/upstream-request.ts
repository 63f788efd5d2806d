// The headers an upstream request carries: the downstream's end-to-end fields plus what the HTTP
// connection manager adds (x-request-id, x-forwarded-for, x-forwarded-proto, via), then the
// route's request header mutations, in Envoy's order (connection manager first, router last).

import { X509Certificate } from "node:crypto";
import type { RuntimeHttp } from "../config/listener.js";
import type { HeaderMutation } from "../router/index.js";
import type { DownstreamPeer } from "../tls/peer.js";
import type { DownstreamHeaders } from "./downstream-headers.js";
import { applyMutations, firstValue, type HeaderList } from "./header-list.js";

/**
 * The request id the proxy uses: the client's x-request-id, or a new one when there is none.
 * At the edge (use_remote_address) an external id is replaced unless preserve_external_request_id
 * is set; generate_request_id false leaves whatever the client sent (possibly none).
 */
export function requestIdFor(http: RuntimeHttp, given: string | undefined, generate: () => string): string | undefined {
  if (!http.generateRequestId) return given;
  if (given === undefined || given === "" || (http.useRemoteAddress && !http.preserveExternalRequestId)) {
    return generate();
  }
  return given;
}

/** The scheme the route sees: the connection's at the edge, else the trusted x-forwarded-proto. */
export function schemeFor(http: RuntimeHttp, headers: DownstreamHeaders): string {
  return http.useRemoteAddress ? "http" : (headers.forwardedProto ?? "http");
}

/**
 * x-forwarded-client-cert as forward_client_cert_details says (Envoy's default SANITIZE: never
 * sent on). `peer` is the verified client certificate of an mTLS connection; the modes that
 * forward or set the header do so only for one (ALWAYS_FORWARD_ONLY forwards regardless).
 */
export function forwardedClientCert(
  config: RuntimeHttp["clientCert"],
  received: string | undefined,
  peer: DownstreamPeer | undefined,
): string | undefined {
  const mode = config?.mode ?? "SANITIZE";
  switch (mode) {
    case "SANITIZE":
      return undefined;
    case "ALWAYS_FORWARD_ONLY":
      return received;
    case "FORWARD_ONLY":
      return peer === undefined ? undefined : received;
    case "APPEND_FORWARD":
    case "SANITIZE_SET": {
      if (peer === undefined || config === undefined) return undefined;
      const element = clientCertElement(config, peer);
      return mode === "APPEND_FORWARD" && received !== undefined ? `${received},${element}` : element;
    }
  }
}

/** One x-forwarded-client-cert element: By, Hash, then the fields set_current_client_cert_details asks for. */
function clientCertElement(config: NonNullable<RuntimeHttp["clientCert"]>, peer: DownstreamPeer): string {
  const parts: string[] = [];
  if (peer.localUri !== undefined) parts.push(`By=${peer.localUri}`);
  parts.push(`Hash=${peer.hash}`);
  if (config.cert) parts.push(`Cert="${encodeURIComponent(new X509Certificate(peer.der).toString())}"`);
  if (config.subject) parts.push(`Subject="${peer.subject.replace(/["\\]/g, "\\$&")}"`);
  if (config.uri) for (const uri of peer.sans.URI) parts.push(`URI=${uri}`);
  if (config.dns) for (const dns of peer.sans.DNS) parts.push(`DNS=${dns}`);
  return parts.join(";");
}

/**
 * Completes `headers.list` in place as the upstream request's headers (without host/:authority,
 * which each upstream protocol sets its own way). x-forwarded-for gets the peer appended only
 * with use_remote_address and without skip_xff_append, as Envoy documents for skip_xff_append.
 * Returns the x-request-id as finally sent (a route mutation may change it).
 */
export function completeUpstreamHeaders(
  http: RuntimeHttp,
  headers: DownstreamHeaders,
  requestId: string | undefined,
  peerAddress: string | undefined,
  mutations: readonly HeaderMutation[],
  peer?: DownstreamPeer,
): string | undefined {
  const list: HeaderList = headers.list;
  const clientCert = forwardedClientCert(http.clientCert, headers.clientCert, peer);
  if (clientCert !== undefined) list.push("x-forwarded-client-cert", clientCert);
  if (requestId !== undefined) list.push("x-request-id", requestId);
  let forwardedFor = headers.forwardedFor;
  if (http.useRemoteAddress && !http.skipXffAppend && peerAddress !== undefined) {
    forwardedFor = forwardedFor === undefined ? peerAddress : `${forwardedFor}, ${peerAddress}`;
  }
  if (forwardedFor !== undefined) list.push("x-forwarded-for", forwardedFor);
  list.push("x-forwarded-proto", schemeFor(http, headers));
  if (http.via !== "") list.push("via", headers.via === undefined ? http.via : `${headers.via}, ${http.via}`);
  else if (headers.via !== undefined) list.push("via", headers.via);
  if (mutations.length === 0) return requestId;
  applyMutations(list, mutations);
  return firstValue(list, "x-request-id");
}
