// The REST API as a fastify app, built by a factory: main.ts calls listen(); tests call inject().
// Order matters here: error handling and body parsing first, then the hooks every request passes
// (auth, rate limit, metrics), then the OpenAPI plugin, which must see every route added after it.
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, LogController } from "fastify";
import type { JoinTokens, MeshCa } from "../ca/index.js";
import { ErrorCode, WeftError } from "../errors.js";
import type { Metrics } from "../metrics.js";
import { weftVersion } from "../package-manifest.js";
import { InstanceRegistry } from "../registry/index.js";
import type { SnapshotSource } from "../snapshot/snapshot-builder.js";
import type { ProxyStatusSource } from "../status/proxy-status.js";
import type { ConfigStore } from "../store/config-store.js";
import type { ApiApp, ApiContext, NodeView } from "./api-context.js";
import type { ApiTokens } from "./api-tokens.js";
import { registerAuth } from "./auth.js";
import { registerBodyParsers } from "./body/content-types.js";
import { DEFAULT_LINGER, type LingerLimits, registerUnreadBodyHandling } from "./body/unread-body.js";
import { answerClientError, sendError } from "./error-reply.js";
import { validatorCompiler } from "./param-validation.js";
import { DEFAULT_WRITE_RATE_LIMIT, registerWriteRateLimit, type WriteRateLimit } from "./rate-limit.js";
import { ReferenceIndex } from "./referrers.js";
import { RouteTable } from "./route-table.js";
import { registerApplyRoutes } from "./routes/apply.js";
import { registerCaRoutes } from "./routes/ca.js";
import { registerMeshServiceRoutes } from "./routes/mesh-services.js";
import { registerNackRoutes } from "./routes/nacks.js";
import { registerOperationRoutes } from "./routes/operations.js";
import { registerProxyRoutes } from "./routes/proxies.js";
import { registerProxyConfigRoutes } from "./routes/proxy-config.js";
import { registerRegistrationRoutes } from "./routes/registrations.js";
import { registerResourceRoutes } from "./routes/resources.js";
import { registerRevisionRoutes } from "./routes/revisions.js";
import { registerTokenRoutes } from "./routes/tokens.js";
import { StoreWriter } from "./store-writer.js";

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** The title of the /docs page. */
export const DOCS_TITLE = "Weft control plane API";

export interface ApiOptions {
  readonly store: ConfigStore;
  readonly proxies: ProxyStatusSource;
  /** The snapshots xDS serves, for GET /v1/proxies/NODE/config (absent: every node there is 404). */
  readonly snapshots?: SnapshotSource | undefined;
  /** The xDS context's `view`, so the API shows each node what xDS sends it (default: node scoping). */
  readonly view?: NodeView | undefined;
  readonly metrics: Metrics;
  /** The root logger (pino); requests log through its children. */
  readonly logger: FastifyBaseLogger;
  /** With a token, every request but /healthz needs `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Largest accepted request body in bytes (default 1 MiB); larger ones get 413. */
  readonly bodyLimit?: number;
  /** How much of a body left unread is drained after the answer (default DEFAULT_LINGER). */
  readonly linger?: LingerLimits;
  /** /healthz answers 200 while this returns true, 503 otherwise. */
  readonly ready: () => boolean;
  /** Writes per client address (default DEFAULT_WRITE_RATE_LIMIT); false turns the limit off. */
  readonly writeRateLimit?: WriteRateLimit | false;
  /** The version shown in the OpenAPI document (default: Weft's, from its package.json). */
  readonly version?: string;
  /**
   * The registry of sidecar instances behind /v1/registrations; by default one on `store`. The
   * control plane passes its own, shared with the liveness of registered instances.
   */
  readonly registry?: InstanceRegistry;
  /** The certificate authority, shown by GET /v1/ca (absent: 404). */
  readonly ca?: MeshCa | undefined;
  /** The join tokens behind /v1/tokens (absent: 404). */
  readonly joinTokens?: JoinTokens | undefined;
  /** API tokens with roles, accepted beside `token` (an admin), and managed at /v1/tokens. */
  readonly apiTokens?: ApiTokens | undefined;
  /** The rate limiter's clock, for tests. */
  readonly now?: () => number;
}

export function buildApi(options: ApiOptions): ApiApp {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app: ApiApp = Fastify({
    loggerInstance: options.logger,
    bodyLimit,
    // One log line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 16 * 1024 },
    // Routing failures that happen before any hook (a URL that does not percent-decode).
    frameworkErrors: (error, request, reply) => {
      sendError(error, request, reply);
    },
    clientErrorHandler: answerClientError,
  }).withTypeProvider();
  app.setValidatorCompiler(validatorCompiler);

  const routes = new RouteTable();
  app.addHook("onRoute", (route) => routes.add(route.method, route.url));
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const allowed = routes.methodsFor(request.raw.url ?? "/");
    if (allowed.length > 0) {
      reply.header("allow", allowed.join(", "));
      return sendError(
        new WeftError(
          ErrorCode.methodNotAllowed,
          `${request.method} is not allowed here; allowed: ${allowed.join(", ")}`,
        ),
        request,
        reply,
      );
    }
    return sendError(
      new WeftError(ErrorCode.routeNotFound, `no route for ${request.method} ${pathOf(request.raw.url)}`),
      request,
      reply,
    );
  });
  registerBodyParsers(app);

  // First of the onRequest hooks: a request pipelined behind a drained body must run none of them.
  registerUnreadBodyHandling(app, bodyLimit, options.linger ?? DEFAULT_LINGER);
  registerAuth(app, options.token, options.apiTokens);
  if (options.writeRateLimit !== false) {
    registerWriteRateLimit(app, options.writeRateLimit ?? DEFAULT_WRITE_RATE_LIMIT, options.now);
  }
  const { metrics } = options;
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    const seconds = reply.elapsedTime / 1000;
    metrics.apiRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.apiRequestDuration.observe({ method: request.method, route }, seconds);
    // Per-request lines are debug: clients poll (weft apply --wait, status), and at info they
    // would drown what the operator needs. A 5xx is a warning (sendError logs its cause).
    const level = reply.statusCode >= 500 ? "warn" : "debug";
    request.log[level](
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      "request",
    );
  });

  app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Weft control plane",
        description: "Envoy v3 configuration (listeners, routes, clusters, endpoints), its history, and proxy status.",
        version: options.version ?? weftVersion(),
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      ...(options.token === undefined ? {} : { security: [{ bearer: [] }] }),
      tags: [
        { name: "resources", description: "Config resources, one at a time or applied together" },
        { name: "revisions", description: "History and rollback" },
        { name: "proxies", description: "Connected proxies" },
        { name: "registrations", description: "Sidecar instances joining and leaving the mesh" },
        { name: "mesh", description: "Services as operators see them: endpoints, routes, callers" },
        { name: "security", description: "The mesh's certificate authority and join tokens" },
        { name: "operations", description: "Health, metrics, this description" },
      ],
    },
  });
  // validatorUrl: null keeps the viewer from calling validator.swagger.io: /docs works offline.
  app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: { validatorUrl: null },
    theme: { title: DOCS_TITLE },
  });

  const writer = new StoreWriter(options.store, metrics);
  const context: ApiContext = {
    store: options.store,
    writer,
    registry: options.registry ?? new InstanceRegistry({ store: options.store, writer }),
    references: new ReferenceIndex(),
    proxies: options.proxies,
    snapshots: options.snapshots,
    view: options.view,
    metrics,
    ca: options.ca,
    joinTokens: options.joinTokens,
    apiTokens: options.apiTokens,
    ready: options.ready,
  };
  app.register(async (scope) => {
    const api = scope as ApiApp;
    registerResourceRoutes(api, context);
    registerApplyRoutes(api, context);
    registerRevisionRoutes(api, context);
    registerProxyRoutes(api, context);
    registerProxyConfigRoutes(api, context);
    registerMeshServiceRoutes(api, context);
    registerRegistrationRoutes(api, context);
    registerNackRoutes(api, context);
    registerCaRoutes(api, context);
    registerTokenRoutes(api, context);
    registerOperationRoutes(api, context);
  });
  return app;
}

function pathOf(url: string | undefined): string {
  const value = url ?? "/";
  const query = value.indexOf("?");
  return query === -1 ? value : value.slice(0, query);
}
