// A listener's TLS (a DownstreamTlsContext, compiled) as the listener layer takes it: server
// options made from the current secrets, and the check of each client certificate after the
// handshake (node verifies the chain; the SAN matchers are Envoy's and run here).
import type tls from "node:tls";
import type { RuntimeTls } from "../config/tls.js";
import type { DownstreamTransport, TransportRefusal } from "../listeners/types.js";
import { recordPeer } from "./peer.js";
import { type ResolvedTls, sansMatch, type TlsContexts } from "./tls-contexts.js";

/** Why a listener closed a connection before serving it, for stats and logs. */
export type DownstreamRefusal = TransportRefusal["reason"];

export interface DownstreamTransportOptions {
  /** PERMISSIVE: serve plaintext clients too. */
  readonly plaintext: boolean;
  /** Told of each refused connection. */
  readonly refused?: (reason: DownstreamRefusal, detail: string, error?: unknown) => void;
}

export function downstreamTransport(
  config: RuntimeTls,
  contexts: TlsContexts,
  options: DownstreamTransportOptions,
): DownstreamTransport {
  const serverOptions = new WeakMap<ResolvedTls, tls.TlsOptions>();
  const current = (): ResolvedTls => contexts.resolve(config);
  return {
    plaintext: options.plaintext,
    serverOptions(): tls.TlsOptions {
      const resolved = current();
      let made = serverOptions.get(resolved);
      if (made === undefined) {
        made = {
          ...resolved.contextOptions,
          // A client certificate is asked for whenever one can be verified; required only when
          // require_client_certificate says so (otherwise one that is sent must still verify).
          requestCert: resolved.verifiesPeer,
          rejectUnauthorized: config.requireClientCertificate,
          ALPNProtocols: config.alpn.length > 0 ? [...config.alpn] : ["h2", "http/1.1"],
        };
        serverOptions.set(resolved, made);
      }
      return made;
    },
    admit(socket: tls.TLSSocket): TransportRefusal | undefined {
      const resolved = current();
      const peer = recordPeer(socket);
      if (!resolved.verifiesPeer || peer === undefined) return undefined;
      if (!socket.authorized) return { reason: "verify_error", detail: String(socket.authorizationError) };
      if (!sansMatch(peer.sans, resolved.sanMatchers)) {
        return { reason: "verify_san", detail: "no SAN of the client certificate matches" };
      }
      return undefined;
    },
    refused(refusal: TransportRefusal, error?: unknown): void {
      options.refused?.(refusal.reason, refusal.detail, error);
    },
  };
}
