// Mesh documents for tests: one good document per kind, and a way to change one field of it.
export type Doc = Record<string, unknown>;

export function service(
  name: string,
  ports: Doc[] = [{ name: "http", port: 8080 }],
  selector: Record<string, string> = { app: name },
): Doc {
  return { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector, ports } };
}

export function workloadEntry(name: string, labels: Record<string, string> = { app: "catalog" }): Doc {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "WorkloadEntry",
    metadata: { name },
    spec: { address: "127.0.0.1", ports: { http: 8080 }, labels, weight: 2, locality: "eu/a" },
  };
}

/** catalog's canary: 90 to catalog-v1, 10 to catalog-v2, with the honoured rule fields. */
export function httpRoute(
  name = "catalog",
  parent = "catalog",
  backends: [string, number][] = [
    ["catalog-v1", 90],
    ["catalog-v2", 10],
  ],
): Doc {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name, labels: { team: "shop" } },
    spec: {
      parentRefs: [{ group: "", kind: "Service", name: parent, port: 8080 }],
      rules: [
        {
          matches: [
            {
              path: { type: "PathPrefix", value: "/items" },
              headers: [{ name: "x-canary", value: "^yes|no$", type: "RegularExpression" }],
              queryParams: [{ name: "debug", value: "1" }],
              method: "GET",
            },
          ],
          filters: [
            {
              type: "RequestHeaderModifier",
              requestHeaderModifier: { set: [{ name: "x-via", value: "weft" }], remove: ["x-debug"] },
            },
            {
              type: "URLRewrite",
              urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/v2/items" } },
            },
          ],
          backendRefs: backends.map(([backend, weight]) => ({ name: backend, port: 8080, weight })),
          timeouts: { request: "10s", backendRequest: "2s" },
          retry: { attempts: 2, codes: [503], backoff: "100ms" },
        },
      ],
    },
  };
}

export function grpcRoute(name = "pricing"): Doc {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "GRPCRoute",
    metadata: { name },
    spec: {
      parentRefs: [{ kind: "Service", name: "pricing" }],
      rules: [
        {
          matches: [
            { method: { service: "shop.Pricing", method: "Quote" }, headers: [{ name: "x-tier", value: "gold" }] },
          ],
          backendRefs: [{ name: "pricing-v1", port: 9090 }],
        },
      ],
    },
  };
}

export function destinationRule(name = "catalog", host = "catalog"): Doc {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name },
    spec: {
      host,
      trafficPolicy: {
        loadBalancer: { consistentHash: { httpCookie: { name: "session", ttl: "0s" } } },
        connectionPool: {
          tcp: { maxConnections: 100, connectTimeout: "30ms" },
          http: { http1MaxPendingRequests: 10, maxRetries: 3 },
        },
        outlierDetection: { consecutive5xxErrors: 5, interval: "10s", baseEjectionTime: "30s", maxEjectionPercent: 50 },
      },
    },
  };
}

/** A document as a test edits it: any path may be read or written. */
// biome-ignore lint/suspicious/noExplicitAny: a test reaches into documents by path, as YAML would
type Editable = any;

/** A deep copy of `doc` with `change` applied to it. */
export function changed(doc: Doc, change: (copy: Editable) => void): Doc {
  const copy = structuredClone(doc);
  change(copy);
  return copy;
}
