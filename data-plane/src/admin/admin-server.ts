// The proxy's admin server: a handful of read-only endpoints on plain node:http, apart from the
// listeners that carry traffic. GET and HEAD only; every error reply is JSON with a WEFT_ code.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { AdminSource, MetricsSource } from "./admin-source.js";
import { AdminError, AdminErrorCode } from "./errors.js";
import { type AdminReply, type AdminRoute, adminRoutes, errorReply } from "./routes.js";

export interface AdminOptions {
  readonly host: string;
  /** 0 for any free port (see the returned address). */
  readonly port: number;
  readonly source: AdminSource;
  readonly metrics: MetricsSource;
  readonly logger: Logger;
}

export interface RunningAdmin {
  /** Where the server listens (the port actually bound when 0 was asked for). */
  readonly address: { readonly host: string; readonly port: number };
  /** Stops listening and ends every connection, keep-alive ones included. Idempotent. */
  close(): Promise<void>;
}

const ALLOW = "GET, HEAD";

/** Listens on host:port; rejects with an AdminError coded WEFT_PROXY_ADMIN_BIND if it cannot. */
export async function startAdmin(options: AdminOptions): Promise<RunningAdmin> {
  const logger = options.logger.child({ component: "admin" });
  const routes = new Map(adminRoutes(options.source, options.metrics).map((route) => [route.path, route]));
  const server = createServer((request, response) => {
    void serve(routes, request, logger).then(
      (reply) => send(request, response, reply),
      // serve() catches what the routes throw; this is a failure to write the reply itself.
      (error: unknown) => {
        logger.error({ err: error }, "admin reply failed");
        response.destroy();
      },
    );
  });
  await listen(server, options.host, options.port);
  const bound = server.address() as AddressInfo;
  const address = { host: bound.address, port: bound.port };
  logger.info({ address }, "admin server listening");

  let closing: Promise<void> | undefined;
  return {
    address,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      reject(new AdminError(AdminErrorCode.bind, `admin server cannot listen on ${host}:${port}`, { cause: error }));
    };
    server.once("error", onError);
    server.listen({ host, port }, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

async function serve(
  routes: ReadonlyMap<string, AdminRoute>,
  request: IncomingMessage,
  logger: Logger,
): Promise<AdminReply> {
  const target = request.url ?? "/";
  const queryStart = target.indexOf("?");
  const path = queryStart === -1 ? target : target.slice(0, queryStart);
  const route = routes.get(path);
  if (route === undefined) {
    return errorReply(AdminErrorCode.notFound, `no admin endpoint at ${path}; GET / lists them`);
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return errorReply(AdminErrorCode.methodNotAllowed, `${path} takes ${ALLOW}`, { allow: ALLOW });
  }
  try {
    return await route.handle(new URLSearchParams(queryStart === -1 ? "" : target.slice(queryStart + 1)));
  } catch (error) {
    logger.error({ err: error, path }, "admin endpoint failed");
    return errorReply(AdminErrorCode.internal, `${path} failed; the proxy's log has the error`);
  }
}

function send(request: IncomingMessage, response: ServerResponse, reply: AdminReply): void {
  response.writeHead(reply.status, {
    ...reply.headers,
    "content-type": reply.contentType,
    "content-length": Buffer.byteLength(reply.body),
    "cache-control": "no-store",
  });
  // A HEAD reply has the GET reply's headers and no body (RFC 9110, 9.3.2).
  response.end(request.method === "HEAD" ? undefined : reply.body);
}
