// TLS for the proxy's listeners and clusters: contexts made from compiled config and secrets, the
// downstream and upstream sides, and the peer identity a client certificate proves.
export { type DownstreamRefusal, downstreamTransport } from "./downstream.js";
export { type DownstreamPeer, peerOf } from "./peer.js";
export { ProxySecrets } from "./proxy-secrets.js";
export {
  type PeerSans,
  peerSans,
  type ResolvedTls,
  type SecretLookup,
  sansMatch,
  TlsContexts,
} from "./tls-contexts.js";
export { type UpstreamTlsOptions, type UpstreamTlsResolver, upstreamTlsOptions } from "./upstream.js";
