// The admin endpoints as a table: path → what it answers. Each handler builds the whole reply
// (status, media type, body) before anything is written, so a failure becomes a clean 500.
import { adminHttpStatusOf } from "../errors.js";
import type { AdminSource, MetricsSource } from "./admin-source.js";
import { clustersJson, clustersText } from "./clusters-text.js";
import { AdminErrorCode } from "./errors.js";

export interface AdminReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface AdminRoute {
  readonly path: string;
  readonly description: string;
  handle(query: URLSearchParams): AdminReply | Promise<AdminReply>;
}

const JSON_TYPE = "application/json; charset=utf-8";
const TEXT_TYPE = "text/plain; charset=utf-8";

export function jsonReply(status: number, value: unknown): AdminReply {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(value, null, 2)}\n` };
}

/** An error reply with the status the proxy's registry gives `code`. */
export function errorReply(
  code: AdminErrorCode,
  message: string,
  headers?: Readonly<Record<string, string>>,
): AdminReply {
  const reply = jsonReply(adminHttpStatusOf(code), { error: { code, message } });
  return headers === undefined ? reply : { ...reply, headers };
}

export function adminRoutes(source: AdminSource, metrics: MetricsSource): readonly AdminRoute[] {
  const routes: AdminRoute[] = [
    {
      path: "/ready",
      description: "200 once the proxy has its config; 503 with what it still waits for before then",
      handle: () => {
        const { ready, waitingFor } = source.readiness();
        return ready
          ? { status: 200, contentType: TEXT_TYPE, body: "ready\n" }
          : jsonReply(503, { ready: false, waitingFor });
      },
    },
    {
      path: "/config_dump",
      description: "the config in use, each resource with its version",
      handle: () => jsonReply(200, source.configDump()),
    },
    {
      path: "/clusters",
      description: "clusters and their endpoints (?format=text for Envoy-style lines)",
      handle: (query) => {
        const format = query.get("format") ?? "json";
        if (format === "json") return jsonReply(200, clustersJson(source.clusters()));
        if (format === "text") return { status: 200, contentType: TEXT_TYPE, body: clustersText(source.clusters()) };
        return errorReply(AdminErrorCode.badRequest, `format must be "json" or "text", not "${format}"`);
      },
    },
    {
      path: "/stats/prometheus",
      description: "metrics in Prometheus text format",
      handle: async () => ({ status: 200, contentType: metrics.contentType, body: await metrics.metrics() }),
    },
  ];
  const index = Object.fromEntries(routes.map((route) => [route.path, route.description]));
  routes.push({
    path: "/",
    description: "this index",
    handle: () => jsonReply(200, { endpoints: index }),
  });
  return routes;
}
