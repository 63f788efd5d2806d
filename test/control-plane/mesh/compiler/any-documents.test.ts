// Property: any set of valid mesh documents compiles, for any set of callable Services, into
// resources both planes accept (the control plane stores them, the proxy builds them), and every
// resource a route names is in the view.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  compileInbound,
  compileOutbound,
  compileOutboundListener,
  compileProxyless,
  meshStateOf,
  OUTBOUND_CONNECT_CLUSTER,
  type StoredMeshDocument,
} from "../../../../control-plane/src/mesh/compiler/index.js";
import { meshKindOfDocument, parseMeshDocument } from "../../../../control-plane/src/mesh/index.js";
import { KINDS } from "../../../../proto/index.js";
import type { Doc } from "../mesh-documents.js";
import { assertBothPlanesAccept } from "./both-planes.js";
import { assertGrpcAccepts } from "./grpc-accepts.js";

const NAMES = ["a", "b", "c"];
const PORTS = [80, 8080, 9090];
const PROTOCOLS = [undefined, "http", "http2", "kubernetes.io/h2c", "grpc", "tcp"];
const PATHS = ["/", "/a", "/a/", "/a/b", "/a?b", "/x.y", "//"];
const REGEXES = ["^/a.*$", "/[0-9]+", "(a|b)"];
const DURATIONS = ["0s", "1ms", "250ms", "2s", "1m30s"];

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const name = fc.constantFrom(...NAMES);
const port = fc.constantFrom(...PORTS);
const definedOnly = (object: Doc): Doc => JSON.parse(JSON.stringify(object)) as Doc;

const service = fc
  .record({
    name,
    selector: maybe(fc.record({ app: name })),
    ports: fc.uniqueArray(fc.record({ port, appProtocol: fc.constantFrom(...PROTOCOLS) }), {
      minLength: 1,
      maxLength: 3,
      selector: (p) => p.port,
    }),
  })
  .map((s) =>
    definedOnly({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: s.name },
      spec: { selector: s.selector, ports: s.ports.map((p) => ({ name: `p${p.port}`, ...p })) },
    }),
  );

const workloadEntry = fc
  .record({
    name: fc.constantFrom("w1", "w2", "w3", "w4", "w5"),
    address: fc.constantFrom("10.0.0.1", "10.0.0.2", "::1", "0:0::1", "db.example.com"),
    app: name,
    ports: maybe(fc.dictionary(fc.constantFrom("p80", "p8080", "p9090"), port)),
    weight: maybe(fc.constantFrom(0, 1, 7, 4294967295)),
    locality: maybe(fc.constantFrom("eu", "eu/a", "eu/a/", "eu/a/1", "us//x")),
    health: maybe(fc.constantFrom("healthy", "unhealthy", "draining", "odd")),
  })
  .map((w) =>
    definedOnly({
      apiVersion: "networking.istio.io/v1",
      kind: "WorkloadEntry",
      metadata: {
        name: w.name,
        annotations: w.health === undefined ? undefined : { "weft.dev/health": w.health },
      },
      spec: { address: w.address, ports: w.ports, labels: { app: w.app }, weight: w.weight, locality: w.locality },
    }),
  );

const headerMatch = fc.record({
  name: fc.constantFrom("x-a", "x-b", "Host"),
  value: fc.constantFrom("1", "^v.*$"),
  type: maybe(fc.constantFrom("Exact", "RegularExpression")),
});
const backendRef = fc.record({
  name: fc.constantFrom(...NAMES, "ghost"),
  port,
  weight: maybe(fc.constantFrom(0, 1, 3, 90)),
});
const headerModifier = fc.record({
  set: maybe(fc.array(fc.record({ name: fc.constantFrom("x-a", "host"), value: fc.constant("v") }), { maxLength: 1 })),
  add: maybe(fc.array(fc.record({ name: fc.constantFrom("x-b"), value: fc.constant("w") }), { maxLength: 1 })),
  remove: maybe(fc.array(fc.constantFrom("x-c"), { maxLength: 1 })),
});
const pathModifier = fc.oneof(
  fc.record({ type: fc.constant("ReplaceFullPath"), replaceFullPath: fc.constantFrom("/", "/z", "/a\\b$1") }),
  fc.record({ type: fc.constant("ReplacePrefixMatch"), replacePrefixMatch: fc.constantFrom("/", "/z", "/z/") }),
);
const httpFilter = fc.oneof(
  fc.record({ type: fc.constant("RequestHeaderModifier"), requestHeaderModifier: headerModifier }),
  fc.record({ type: fc.constant("ResponseHeaderModifier"), responseHeaderModifier: headerModifier }),
  fc.record({
    type: fc.constant("RequestMirror"),
    requestMirror: fc.record({ backendRef: fc.record({ name, port }) }),
  }),
  fc.record({
    type: fc.constant("RequestRedirect"),
    requestRedirect: fc.record({
      scheme: maybe(fc.constantFrom("http", "https")),
      hostname: maybe(fc.constantFrom("elsewhere")),
      port: maybe(port),
      statusCode: maybe(fc.constantFrom(301, 302, 303, 307, 308)),
      path: maybe(pathModifier),
    }),
  }),
  fc.record({
    type: fc.constant("URLRewrite"),
    urlRewrite: fc.record({ hostname: maybe(fc.constant("in")), path: maybe(pathModifier) }),
  }),
);
const parentRefs = fc.uniqueArray(fc.record({ kind: fc.constant("Service"), name, port: maybe(port) }), {
  minLength: 1,
  maxLength: 2,
  selector: (ref) => `${ref.name}:${ref.port}`,
});
const headerMatches = (maxLength: number) =>
  maybe(fc.uniqueArray(headerMatch, { maxLength, selector: (h) => h.name.toLowerCase() }));

const httpRoute = fc
  .record({
    name: fc.constantFrom("r1", "r2", "r3"),
    parentRefs,
    rules: maybe(
      fc.array(
        fc.record({
          matches: maybe(
            fc.array(
              fc.record({
                path: maybe(
                  fc.oneof(
                    fc.record({ type: fc.constantFrom("Exact", "PathPrefix"), value: fc.constantFrom(...PATHS) }),
                    fc.record({ type: fc.constant("RegularExpression"), value: fc.constantFrom(...REGEXES) }),
                  ),
                ),
                headers: headerMatches(2),
                queryParams: headerMatches(1),
                method: maybe(fc.constantFrom("GET", "POST")),
              }),
              { maxLength: 2 },
            ),
          ),
          filters: maybe(fc.array(httpFilter, { maxLength: 3 })),
          backendRefs: maybe(fc.array(backendRef, { maxLength: 3 })),
          timeouts: maybe(
            fc.record({
              request: maybe(fc.constantFrom(...DURATIONS)),
              backendRequest: maybe(fc.constantFrom(...DURATIONS)),
            }),
          ),
          retry: maybe(
            fc.record({
              attempts: maybe(fc.nat(3)),
              codes: maybe(fc.array(fc.constantFrom(500, 502, 503), { maxLength: 3 })),
              backoff: maybe(fc.constantFrom(...DURATIONS)),
            }),
          ),
        }),
        { maxLength: 3 },
      ),
    ),
  })
  .map((r) =>
    definedOnly({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: r.name },
      spec: { parentRefs: r.parentRefs, rules: r.rules },
    }),
  );

const grpcRoute = fc
  .record({
    name: fc.constantFrom("g1", "g2"),
    parentRefs,
    rules: maybe(
      fc.array(
        fc.record({
          matches: maybe(
            fc.array(
              fc.record({
                method: maybe(
                  fc.record({
                    type: maybe(fc.constantFrom("Exact", "RegularExpression")),
                    service: maybe(fc.constantFrom("shop.Pricing", ".shop.Pricing", "x")),
                    method: maybe(fc.constantFrom("Quote", "Get")),
                  }),
                ),
                headers: headerMatches(1),
              }),
              { maxLength: 2 },
            ),
          ),
          backendRefs: maybe(fc.array(backendRef, { maxLength: 2 })),
        }),
        { maxLength: 2 },
      ),
    ),
  })
  .map((r) =>
    definedOnly({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GRPCRoute",
      metadata: { name: r.name },
      spec: { parentRefs: r.parentRefs, rules: r.rules },
    }),
  );

const destinationRule = fc
  .record({
    host: name,
    loadBalancer: maybe(
      fc.oneof(
        fc.record({ simple: fc.constantFrom("ROUND_ROBIN", "LEAST_REQUEST", "RANDOM") }),
        fc.record({
          consistentHash: fc.oneof(
            fc.record({ httpHeaderName: fc.constant("x-user") }),
            fc.record({
              httpCookie: fc.record({
                name: fc.constant("s"),
                path: maybe(fc.constant("/")),
                ttl: maybe(fc.constantFrom("0s", "1.5s")),
              }),
            }),
            fc.record({ useSourceIp: fc.constant(true) }),
            fc.record({ httpQueryParameterName: fc.constant("u") }),
          ),
        }),
      ),
    ),
    connectionPool: maybe(
      fc.record({
        tcp: maybe(
          fc.record({
            maxConnections: maybe(fc.integer({ min: 1, max: 9 })),
            connectTimeout: maybe(fc.constantFrom("1ms", "2.5s")),
          }),
        ),
        http: maybe(
          fc.record({ http1MaxPendingRequests: maybe(fc.integer({ min: 1, max: 9 })), maxRetries: maybe(fc.nat(3)) }),
        ),
      }),
    ),
    outlierDetection: maybe(
      fc.record({
        consecutive5xxErrors: maybe(fc.nat(5)),
        consecutiveGatewayErrors: maybe(fc.nat(5)),
        interval: maybe(fc.constantFrom("1s", "10ms")),
        maxEjectionPercent: maybe(fc.nat(100)),
      }),
    ),
  })
  .map((d) =>
    definedOnly({
      apiVersion: "networking.istio.io/v1",
      kind: "DestinationRule",
      metadata: { name: `dr-${d.host}` },
      spec: {
        host: d.host,
        trafficPolicy: {
          loadBalancer: d.loadBalancer,
          connectionPool: d.connectionPool,
          outlierDetection: d.outlierDetection,
        },
      },
    }),
  );

/** The documents that pass their kind's checks, as the store would hold them (invalid ones are refused there). */
function stored(docs: Doc[]): StoredMeshDocument[] {
  const result: StoredMeshDocument[] = [];
  for (const doc of docs) {
    const kind = meshKindOfDocument(String(doc.apiVersion), String(doc.kind));
    assert.ok(kind);
    try {
      result.push({ kind: kind.plural, document: parseMeshDocument(kind.plural, doc).document });
    } catch {
      // Refused by the API: never in a store.
    }
  }
  return result;
}

describe("mesh compiler: any valid documents", () => {
  test("compile into resources both planes accept, and every cluster and assignment a route names is in the view", () => {
    const documents = fc.array(fc.oneof(service, workloadEntry, httpRoute, grpcRoute, destinationRule), {
      maxLength: 14,
    });
    fc.assert(
      fc.property(documents, maybe(fc.subarray(NAMES)), (docs, callable) => {
        const state = meshStateOf(stored(docs));
        const out = compileOutbound(state, { services: callable });
        const resources = [out.routes, ...out.clusters, ...out.endpoints];
        console.log(
          "STATS",
          docs.length,
          state.services.size,
          state.httpRoutes.size,
          state.grpcRoutes.size,
          state.workloadEntries.size,
          out.routes.message.virtualHosts.reduce((n, v) => n + v.routes.length, 0),
          out.issues.length,
        );
        for (const resource of resources) assertBothPlanesAccept(resource);
        const names = new Set(resources.map((r) => `${r.kind}/${r.name}`));
        // The CONNECT routes' cluster is each sidecar's own (at its outbound address), beside this shared side.
        names.add(`clusters/${OUTBOUND_CONNECT_CLUSTER}`);
        for (const resource of resources) {
          for (const ref of KINDS[resource.kind].references(resource.message as never)) {
            assert.ok(
              names.has(`${ref.kind}/${ref.name}`),
              `${resource.name} ${ref.path} names ${ref.kind}/${ref.name}, not in the view`,
            );
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  test("compile into proxyless resources gRPC's xDS client accepts, and every cluster and assignment a listener names is among them", () => {
    const documents = fc.array(fc.oneof(service, workloadEntry, httpRoute, grpcRoute, destinationRule), {
      maxLength: 14,
    });
    fc.assert(
      fc.property(documents, (docs) => {
        const out = compileProxyless(meshStateOf(stored(docs)));
        const resources = [...out.listeners, ...out.clusters, ...out.endpoints];
        for (const resource of resources) assertGrpcAccepts(resource);
        const names = new Set(resources.map((r) => `${r.kind}/${r.name}`));
        for (const resource of resources) {
          for (const ref of KINDS[resource.kind].references(resource.message as never)) {
            assert.ok(
              names.has(`${ref.kind}/${ref.name}`),
              `${resource.name} ${ref.path} names ${ref.kind}/${ref.name}`,
            );
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  test("a sidecar's listeners are accepted by both planes for any address and protocol", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 65535 }),
        fc.constantFrom("127.0.0.1", "::1", "localhost"),
        fc.constantFrom("http", "http2", "tcp" as const),
        (listenPort, appHost, protocol) => {
          assertBothPlanesAccept(compileOutboundListener({ host: "127.0.0.1", port: listenPort }));
          const inbound = compileInbound({
            listen: { host: "127.0.0.1", port: listenPort },
            app: { host: appHost, port: 3000 },
            protocol,
          });
          assertBothPlanesAccept(inbound.listener);
          assertBothPlanesAccept(inbound.cluster);
        },
      ),
      { numRuns: 50 },
    );
  });
});
