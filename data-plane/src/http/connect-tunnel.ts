// CONNECT termination (RFC 9110 §9.3.6) on a connection manager whose upgrade_configs enable
// CONNECT: the request's authority-form target (`catalog:80`) is routed like a Host, and a route
// whose upgrade_configs terminate CONNECT (connect_config) has the proxy connect to an endpoint of
// its cluster, answer 200, and carry the tunnel's bytes both ways as a TCP stream, as Envoy does.
// A target no route matches gets the router's 404 NR (local_reply_config may name the host).
// HTTP/1.1 only: an HTTP/2 CONNECT stays refused.
import net from "node:net";
import { ResponseFlag } from "../observer/request-observer.js";
import type { RouteTable } from "../router/index.js";
import type { DownstreamHeaders } from "./downstream-headers.js";
import type { Exchange } from "./exchange.js";
import { readConnectTarget } from "./request-target.js";

const ESTABLISHED = "HTTP/1.1 200 OK\r\n\r\n";

/** What a tunnel needs of the clusters (the handler's UpstreamClusters is one). */
export interface TunnelClusters {
  has(cluster: string): boolean;
  cluster(cluster: string): { readonly connectTimeoutMs: number } | undefined;
  pick(cluster: string): { readonly address: string; begin(): void; end(): void } | undefined;
}

export function openTunnel(
  exchange: Exchange,
  headers: DownstreamHeaders,
  table: RouteTable | undefined,
  clusters: TunnelClusters,
): void {
  const authority = readConnectTarget(exchange.path);
  if (authority === undefined) {
    exchange.localReply(400, "malformed CONNECT target: send host:port", undefined);
    return;
  }
  headers.authority = authority;
  const decision = table?.match({
    authority,
    path: "",
    headers: (name) => exchange.req.headers[name],
    connect: true,
  });
  if (decision === undefined) {
    exchange.localReply(404, undefined, ResponseFlag.noRoute);
    return;
  }
  exchange.responseMutations = decision.headers.response;
  const action = decision.action;
  if (action.type === "directResponse") {
    exchange.localReply(action.status, action.body, ResponseFlag.directResponse);
    return;
  }
  if (action.type !== "forward" || action.terminatesConnect !== true) {
    exchange.localReply(403, "CONNECT is accepted only by a route that terminates it", undefined);
    return;
  }
  const cluster = action.cluster;
  exchange.cluster = cluster;
  if (cluster === undefined || !clusters.has(cluster)) {
    exchange.localReply(action.clusterNotFoundStatus, undefined, ResponseFlag.noClusterFound);
    return;
  }
  const endpoint = clusters.pick(cluster);
  if (endpoint === undefined) {
    exchange.localReply(503, "no healthy upstream", ResponseFlag.noHealthyUpstream);
    return;
  }
  exchange.upstreamAddress = endpoint.address;
  const downstream = exchange.req.socket;
  const upstream = net.connect(hostPort(endpoint.address));
  const connectTimeoutMs = clusters.cluster(cluster)?.connectTimeoutMs ?? 0;
  if (connectTimeoutMs > 0) upstream.setTimeout(connectTimeoutMs, () => upstream.destroy(new Error("connect timeout")));
  endpoint.begin();
  let established = false;
  upstream.once("connect", () => {
    established = true;
    upstream.setTimeout(0);
    downstream.write(ESTABLISHED);
    upstream.pipe(downstream);
    downstream.pipe(upstream);
    downstream.resume();
  });
  upstream.on("error", () => {
    if (!established) {
      exchange.localReply(
        503,
        "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
        ResponseFlag.upstreamConnectionFailure,
      );
    } else {
      downstream.destroy();
    }
  });
  upstream.once("close", () => {
    endpoint.end();
    if (established) downstream.destroy();
  });
  downstream.once("close", () => upstream.destroy());
}

/** `host:port` (an IPv6 host in brackets) as net.connect takes it. */
function hostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon);
  return { host: host.startsWith("[") ? host.slice(1, -1) : host, port: Number(address.slice(colon + 1)) };
}
