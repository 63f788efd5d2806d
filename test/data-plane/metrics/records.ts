// Request records as the proxy's HTTP and TCP paths report them, for the metrics and access log tests.
import type { HttpRequestRecord, TcpConnectionRecord } from "../../../data-plane/src/observer/request-observer.js";

export function httpRecord(overrides: Partial<HttpRequestRecord> = {}): HttpRequestRecord {
  return {
    kind: "http",
    listener: "ingress",
    statPrefix: "ingress_http",
    protocol: "HTTP/1.1",
    method: "GET",
    authority: "shop.example",
    path: "/cart?item=1",
    status: 200,
    grpcStatus: undefined,
    durationMs: 12.5,
    upstreamDurationMs: 10,
    cluster: "shop",
    upstreamAddress: "10.0.0.1:8080",
    responseFlags: [],
    requestId: "7f0c1d2e-0000-4000-8000-000000000001",
    bytesReceived: 0,
    bytesSent: 42,
    downstreamAddress: "127.0.0.1:51000",
    userAgent: "curl/8.5.0",
    ...overrides,
  };
}

export function tcpRecord(overrides: Partial<TcpConnectionRecord> = {}): TcpConnectionRecord {
  return {
    kind: "tcp",
    listener: "db",
    statPrefix: "db_tcp",
    cluster: "postgres",
    upstreamAddress: "10.0.0.9:5432",
    durationMs: 1500,
    bytesReceived: 300,
    bytesSent: 7000,
    responseFlags: [],
    downstreamAddress: "127.0.0.1:52000",
    ...overrides,
  };
}
