// A cluster's TLS (an UpstreamTlsContext, compiled) as tls.connect takes it, made from the
// current secrets for each new connection: the certificate presented, the roots the server is
// verified against, and Envoy's SAN matchers in place of node's host name check (a mesh server
// is named by its SPIFFE ID, not by the address dialled).
import type tls from "node:tls";
import type { RuntimeTls } from "../config/tls.js";
import { peerSans, type ResolvedTls, sansMatch, type TlsContexts } from "./tls-contexts.js";

export interface UpstreamTlsOptions {
  /** The options for tls.connect (no host or port); the same object while nothing changed. */
  readonly options: tls.ConnectionOptions;
  /** Changes whenever the options do: connections made with different options are not shared. */
  readonly generation: number;
}

let generations = 0;
const made = new WeakMap<ResolvedTls, UpstreamTlsOptions>();

/** Throws a WEFT_PROXY_TLS_UNAVAILABLE ProxyError when the context cannot be made. */
export function upstreamTlsOptions(config: RuntimeTls, contexts: TlsContexts): UpstreamTlsOptions {
  const resolved = contexts.resolve(config);
  let result = made.get(resolved);
  if (result !== undefined) return result;
  const matchers = resolved.sanMatchers;
  const options: tls.ConnectionOptions = {
    secureContext: resolved.secureContext,
    rejectUnauthorized: resolved.verifiesPeer,
    checkServerIdentity: (_host, certificate) =>
      !resolved.verifiesPeer || sansMatch(peerSans(certificate), matchers)
        ? undefined
        : Object.assign(new Error("no SAN of the server certificate matches"), {
            code: "ERR_TLS_CERT_ALTNAME_INVALID",
          }),
    ...(config.sni === "" ? {} : { servername: config.sni }),
    ...(config.alpn.length === 0 ? {} : { ALPNProtocols: [...config.alpn] }),
  };
  generations += 1;
  result = Object.freeze({ options, generation: generations });
  made.set(resolved, result);
  return result;
}

/** Makes a cluster's TLS options from its compiled context (throws WEFT_PROXY_TLS_UNAVAILABLE). */
export type UpstreamTlsResolver = (config: RuntimeTls) => UpstreamTlsOptions;
