// A proxy for the forwarding tests, on real sockets: an HttpListener on 127.0.0.1 with the HTTP
// handler, a real ClusterManager, and small HTTP/1.1 and HTTP/2 clients and backends.
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { buildListener, type RuntimeCluster, type RuntimeEndpoints } from "../../../data-plane/src/config/index.js";
import type { RuntimeHttp } from "../../../data-plane/src/config/listener.js";
import { createHttpHandler, Http2Sessions } from "../../../data-plane/src/http/index.js";
import { HttpListener } from "../../../data-plane/src/listeners/http-listener.js";
import type { HttpRequestRecord, RequestRecord } from "../../../data-plane/src/observer/request-observer.js";
import { compileRouteTable, type RouteTable } from "../../../data-plane/src/router/index.js";
import { ClusterManager } from "../../../data-plane/src/upstream/index.js";
import { httpListener, listener } from "../config/fixtures.js";
import { type Json, oneHost } from "../router/fixtures.js";

/** An HCM's options with Envoy's defaults, as the config layer builds them from a listener. */
export const HTTP_DEFAULTS: RuntimeHttp = buildListener(listener(httpListener())).http as RuntimeHttp;

export interface TestProxy {
  readonly port: number;
  readonly clusters: ClusterManager;
  /** Every record, in the order requests ended. */
  readonly records: HttpRequestRecord[];
  /** Resolves with the next record to end. */
  nextRecord(): Promise<HttpRequestRecord>;
  setTable(table: RouteTable | undefined): void;
  close(): Promise<void>;
}

export interface ProxyOptions {
  readonly routes?: Json[];
  readonly table?: RouteTable | undefined;
  readonly clusters?: readonly RuntimeCluster[];
  readonly endpoints?: ReadonlyMap<string, RuntimeEndpoints>;
  readonly http?: Partial<RuntimeHttp>;
}

export async function startProxy(options: ProxyOptions): Promise<TestProxy> {
  let table = options.table ?? (options.routes === undefined ? undefined : compileRouteTable(oneHost(options.routes)));
  const clusters = new ClusterManager({ keepAliveTimeoutMs: 1000 });
  void clusters.update(options.clusters ?? [], options.endpoints ?? new Map());
  const records: HttpRequestRecord[] = [];
  let waiting: ((record: HttpRequestRecord) => void)[] = [];
  const sessions = new Http2Sessions({ keepAliveTimeoutMs: 1000 });
  const handler = createHttpHandler({
    listener: "test",
    http: { ...HTTP_DEFAULTS, ...options.http },
    routeTable: () => table,
    clusters,
    http2Sessions: sessions,
    observer: {
      ended: (record: RequestRecord) => {
        if (record.kind !== "http") return;
        records.push(record);
        const notify = waiting;
        waiting = [];
        for (const resolve of notify) resolve(record);
      },
    },
  });
  const listener = new HttpListener("test", "127.0.0.1", 0, handler);
  await listener.listen();
  const port = listener.address()?.port ?? 0;
  return {
    port,
    clusters,
    records,
    nextRecord: () => new Promise((resolve) => waiting.push(resolve)),
    setTable: (next) => {
      table = next;
    },
    close: async () => {
      await listener.drain(200);
      await sessions.close(200);
      await clusters.close();
    },
  };
}

/** Routes everything under "/" to `cluster`, with `extra` merged into the route action. */
export function routeTo(cluster: string, extra: Json = {}, routeExtra: Json = {}): Json {
  return { match: { prefix: "/" }, route: { cluster, ...extra }, ...routeExtra };
}

export interface Server {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpBackend(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export async function startHttp2Backend(
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
): Promise<Server> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  server.on("stream", onStream);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const session of sessions) session.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A node:http backend answering with the request's method, path and headers as JSON. */
export function echoHeaders(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ method: req.method, path: req.url, headers: req.headers, raw: req.rawHeaders }));
  });
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface H1Options {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: http.OutgoingHttpHeaders;
  readonly body?: Buffer | string;
}

/** One HTTP/1.1 request on a fresh connection (no keep-alive), the whole body collected. */
export function h1Request(port: number, options: H1Options = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: options.method ?? "GET",
        path: options.path ?? "/",
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

export interface H2Reply {
  readonly headers: http2.IncomingHttpHeaders;
  readonly trailers: http2.IncomingHttpHeaders | undefined;
  readonly body: Buffer;
}

/** One HTTP/2 request on `session`, the whole body and the trailers collected. */
export function h2Request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: Buffer | string,
): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      responseHeaders = h;
    });
    stream.on("trailers", (t) => {
      trailers = t;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve({ headers: responseHeaders, trailers, body: Buffer.concat(chunks) }));
    stream.on("error", reject);
    if (body !== undefined) stream.end(body);
  });
}

export function json(reply: Reply): { method: string; path: string; headers: IncomingHttpHeaders; raw: string[] } {
  return JSON.parse(reply.body.toString("utf8"));
}
