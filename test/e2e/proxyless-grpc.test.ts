// An unmodified @grpc/grpc-js-xds client calls a mesh Service by name (xds:///pricing,
// xds:///pricing:9090) with no Envoy resource written: `weft control-plane` compiles the API
// listeners, routes, clusters and endpoints from a Service, WorkloadEntries and a GRPCRoute, and
// the client follows the route's weight shift and a fault-injection rule. The gRPC backends run
// behind no sidecar. Real processes on 127.0.0.1.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { credentials, status as GrpcStatus, loadPackageDefinition, Metadata, type ServiceError } from "@grpc/grpc-js";
import * as xds from "@grpc/grpc-js-xds";
import { loadSync } from "@grpc/proto-loader";
import {
  type BackendProcess,
  type ControlPlane,
  ECHO_PROTO,
  startControlPlane,
  startGrpcBackend,
} from "./processes.js";

xds.register();

interface EchoMessage {
  text: string;
  server: string;
}

interface EchoClient {
  Unary(
    request: Partial<EchoMessage>,
    metadata: Metadata,
    options: { deadline?: number },
    cb: (error: ServiceError | null, reply?: EchoMessage) => void,
  ): unknown;
  close(): void;
}

const { Echo } = (
  loadPackageDefinition(loadSync(ECHO_PROTO)) as unknown as {
    weft: {
      test: {
        Echo: new (
          address: string,
          creds: ReturnType<typeof credentials.createInsecure>,
          options: Record<string, string>,
        ) => EchoClient;
      };
    };
  }
).weft.test;

type Doc = Record<string, unknown>;

const service = (name: string, selector: Record<string, string>): Doc => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { selector, ports: [{ name: "grpc", port: 9090, appProtocol: "grpc" }] },
});

const workloadEntry = (name: string, version: string, port: number): Doc => ({
  apiVersion: "networking.istio.io/v1",
  kind: "WorkloadEntry",
  metadata: { name },
  spec: { address: "127.0.0.1", ports: { grpc: port }, labels: { app: "pricing", version } },
});

/** pricing's route to pricing-v1 and pricing-v2 by weight, through the FaultInjection `fault` if named. */
const grpcRoute = (v1: number, v2: number, fault?: string): Doc => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "GRPCRoute",
  metadata: { name: "pricing" },
  spec: {
    parentRefs: [{ kind: "Service", name: "pricing", port: 9090 }],
    rules: [
      {
        ...(fault === undefined
          ? {}
          : {
              filters: [
                { type: "ExtensionRef", extensionRef: { group: "weft.dev", kind: "FaultInjection", name: fault } },
              ],
            }),
        backendRefs: [
          { name: "pricing-v1", port: 9090, weight: v1 },
          { name: "pricing-v2", port: 9090, weight: v2 },
        ],
      },
    ],
  },
});

const denyAll: Doc = {
  apiVersion: "weft.dev/v1alpha1",
  kind: "FaultInjection",
  metadata: { name: "deny-all" },
  spec: { abort: { grpcStatus: "PERMISSION_DENIED" } },
};

async function apply(cp: ControlPlane, resources: { kind: string; resource: Doc }[]): Promise<void> {
  const res = await fetch(`http://${cp.api}/v1/apply`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ resources }),
  });
  const body = await res.text();
  assert.equal(res.status, 200, `apply: ${body}`);
}

describe("e2e: gRPC proxyless clients reach mesh Services by name", () => {
  let cp: ControlPlane;
  let v1: BackendProcess;
  let v2: BackendProcess;
  const clients: EchoClient[] = [];

  before(async () => {
    [cp, v1, v2] = await Promise.all([startControlPlane(), startGrpcBackend("v1"), startGrpcBackend("v2")]);
    await apply(cp, [
      { kind: "services", resource: service("pricing", { app: "pricing" }) },
      { kind: "services", resource: service("pricing-v1", { app: "pricing", version: "v1" }) },
      { kind: "services", resource: service("pricing-v2", { app: "pricing", version: "v2" }) },
      { kind: "workloadentries", resource: workloadEntry("pricing-a", "v1", v1.port) },
      { kind: "workloadentries", resource: workloadEntry("pricing-b", "v2", v2.port) },
      { kind: "grpcroutes", resource: grpcRoute(100, 0) },
    ]);
  });

  after(async () => {
    for (const client of clients) client.close();
    await Promise.all([v1?.stop(), v2?.stop(), cp?.stop()]);
  });

  /** A client of `target` whose bootstrap names the control plane's xDS address and nothing else. */
  function client(target: string, nodeId: string): EchoClient {
    const bootstrap = {
      xds_servers: [{ server_uri: cp.xds, channel_creds: [{ type: "insecure" }], server_features: [] }],
      node: { id: nodeId, cluster: "shop", locality: {} },
    };
    const made = new Echo(target, credentials.createInsecure(), {
      "grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config": JSON.stringify(bootstrap),
    });
    clients.push(made);
    return made;
  }

  /** One unary call; resolves with the name of the server that answered. */
  const call = (echo: EchoClient) =>
    new Promise<string>((resolve, reject) =>
      echo.Unary({ text: "quote" }, new Metadata(), { deadline: Date.now() + 5_000 }, (error, reply) =>
        error ? reject(error) : resolve(reply?.server ?? ""),
      ),
    );

  /**
   * Calls until `count` calls in a row answer `server` (a server's name, or `error CODE`), for at
   * most `ms` (polling: the config comes from another process).
   */
  async function settlesOn(echo: EchoClient, server: string, count = 10, ms = 15_000): Promise<void> {
    const until = Date.now() + ms;
    let streak = 0;
    let last = "";
    while (Date.now() < until) {
      try {
        last = await call(echo);
      } catch (error) {
        last = `error ${(error as ServiceError).code}`;
      }
      streak = last === server ? streak + 1 : 0;
      if (streak >= count) return;
      // A fault's abort fails a call without I/O: let the client read its xDS stream between calls.
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.fail(`calls did not settle on ${server} (last answer: ${last})`);
  }

  test("a client dialing xds:///pricing reaches the route's backend, and its node shows SYNCED", async () => {
    const echo = client("xds:///pricing", "proxyless-1");
    await settlesOn(echo, "v1");
    const res = await fetch(`http://${cp.api}/v1/proxies`);
    const { proxies } = (await res.json()) as {
      proxies: { nodeId: string; types: Record<string, { state: string; subscribed: string[] }> }[];
    };
    const proxy = proxies.find((p) => p.nodeId === "proxyless-1");
    assert.ok(proxy, "the client is listed as connected");
    const lds = proxy.types["type.googleapis.com/envoy.config.listener.v3.Listener"];
    assert.deepEqual(lds?.subscribed, ["pricing"]);
    for (const [type, state] of Object.entries(proxy.types)) assert.equal(state.state, "SYNCED", type);
  });

  test("a client dialing xds:///pricing:9090 reaches it too", async () => {
    await settlesOn(client("xds:///pricing:9090", "proxyless-2"), "v1");
  });

  test("a GRPCRoute weight shift to pricing-v2 is followed without restarting the client", async () => {
    const echo = client("xds:///pricing", "proxyless-3");
    await settlesOn(echo, "v1");
    await apply(cp, [{ kind: "grpcroutes", resource: grpcRoute(0, 100) }]);
    await settlesOn(echo, "v2");
  });

  test("a fault-injection rule on the GRPCRoute aborts the client's calls with its gRPC status, and lifting it restores them", async () => {
    const echo = client("xds:///pricing", "proxyless-4");
    await settlesOn(echo, "v2");
    await apply(cp, [
      { kind: "faultinjections", resource: denyAll },
      { kind: "grpcroutes", resource: grpcRoute(0, 100, "deny-all") },
    ]);
    await settlesOn(echo, `error ${GrpcStatus.PERMISSION_DENIED}`);
    await apply(cp, [{ kind: "grpcroutes", resource: grpcRoute(0, 100) }]);
    await settlesOn(echo, "v2");
  });
});
