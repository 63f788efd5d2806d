// An unmodified @grpc/grpc-js-xds client, routed by Weft's control plane to real gRPC backends on
// 127.0.0.1: it follows weight shifts and endpoint changes without a restart, its NACK shows in
// the status registry, and it keeps working when the control plane goes away.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as xds from "@grpc/grpc-js-xds";
import { type Harness, RDS, startHarness } from "../control-plane/xds/harness.js";

xds.register();

const ECHO_PATH = "/weft.test.Echo/Echo";
const identity = (b: Buffer) => b;
const echoService: grpc.ServiceDefinition = {
  echo: {
    path: ECHO_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
const EchoClient = grpc.makeGenericClientConstructor(echoService, "Echo");

/** A gRPC server on 127.0.0.1 that answers every echo call with its own name. */
async function startBackend(name: string): Promise<{ port: number; stop: () => void }> {
  const server = new grpc.Server();
  server.addService(echoService, {
    echo: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from(name)),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { port, stop: () => server.forceShutdown() };
}

const router = {
  name: "router",
  typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
};
const apiListener = {
  name: "echo",
  api_listener: {
    api_listener: {
      "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
      stat_prefix: "echo",
      rds: { route_config_name: "echo-routes", config_source: { ads: {} } },
      http_filters: [router],
    },
  },
};
const routes = (w1: number, w2: number, extra: unknown[] = []) => ({
  name: "echo-routes",
  virtual_hosts: [
    {
      name: "echo",
      domains: ["echo"],
      routes: [
        ...extra,
        {
          match: { prefix: "/" },
          route: {
            weighted_clusters: {
              clusters: [
                { name: "c1", weight: w1 },
                { name: "c2", weight: w2 },
              ],
            },
          },
        },
      ],
    },
  ],
});
const edsCluster = (name: string) => ({
  name,
  type: "EDS",
  eds_cluster_config: { eds_config: { ads: {} } },
  lb_policy: "ROUND_ROBIN",
  connect_timeout: "1s",
});
const assignment = (name: string, port: number) => ({
  cluster_name: name,
  endpoints: [
    {
      locality: { region: "local" },
      load_balancing_weight: 1,
      lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } }],
    },
  ],
});

describe("interop: @grpc/grpc-js-xds routed by Weft", () => {
  let h: Harness;
  let client: grpc.Client;
  const backends: { port: number; stop: () => void }[] = [];
  let a: { port: number };
  let b: { port: number };
  let c: { port: number };

  before(async () => {
    h = await startHarness();
    a = await startBackend("a");
    b = await startBackend("b");
    c = await startBackend("c");
    backends.push(a as never, b as never, c as never);
    await h.put(
      ["clusters", edsCluster("c1")],
      ["clusters", edsCluster("c2")],
      ["endpoints", assignment("c1", a.port)],
      ["endpoints", assignment("c2", b.port)],
      ["routes", routes(100, 0)],
      ["listeners", apiListener],
    );
    const bootstrap = {
      xds_servers: [{ server_uri: h.address, channel_creds: [{ type: "insecure" }], server_features: [] }],
      node: { id: "grpc-interop", cluster: "interop", locality: {} },
    };
    client = new EchoClient("xds:///echo", grpc.credentials.createInsecure(), {
      "grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config": JSON.stringify(bootstrap),
    });
  });

  after(async () => {
    client?.close();
    for (const backend of backends) backend.stop();
    await h.close();
  });

  /** One call through the xDS-resolved channel; resolves with the name of the backend that answered. */
  const call = () =>
    new Promise<string>((resolve, reject) => {
      const deadline = new Date(Date.now() + 5_000);
      client.makeUnaryRequest(ECHO_PATH, identity, identity, Buffer.alloc(0), { deadline }, (error, reply) =>
        error ? reject(error) : resolve(reply?.toString() ?? ""),
      );
    });

  /** Calls until `count` consecutive calls land on `backend`, for at most `ms`. */
  async function settlesOn(backend: string, count = 10, ms = 10_000): Promise<void> {
    const until = Date.now() + ms;
    let streak = 0;
    let last = "";
    while (Date.now() < until) {
      last = await call();
      streak = last === backend ? streak + 1 : 0;
      if (streak >= count) return;
    }
    assert.fail(`calls did not settle on ${backend} (last answer: ${last})`);
  }

  test("calls land on the cluster the route names", async () => {
    await settlesOn("a");
    const proxy = h.status.proxies().find((p) => p.nodeId === "grpc-interop");
    assert.ok(proxy, "the client is listed as connected");
    for (const state of Object.values(proxy.types)) assert.equal(state.state, "SYNCED");
  });

  test("a weight shift is followed without restarting the client", async () => {
    await h.put(["routes", routes(0, 100)]);
    await settlesOn("b");
  });

  test("an endpoint change is followed without restarting the client", async () => {
    await h.put(["endpoints", assignment("c2", c.port)]);
    await settlesOn("c");
  });

  test("a NACK shows in the status registry and the client keeps its last good config", async () => {
    // gRPC clients reject direct_response actions; Weft accepts them (Envoy does).
    const direct = { match: { prefix: "/never" }, direct_response: { status: 200 } };
    await h.put(["routes", routes(0, 100, [direct])]);
    await h.until(
      () => h.status.proxies().find((p) => p.nodeId === "grpc-interop")?.types[RDS]?.state === "NACKED",
      "grpc-interop's RDS NACK",
      5_000,
    );
    const state = h.status.proxies().find((p) => p.nodeId === "grpc-interop")?.types[RDS]?.state;
    assert.equal(state, "NACKED");
    const proxy = h.status.proxies().find((p) => p.nodeId === "grpc-interop");
    assert.ok((proxy?.types[RDS]?.lastNack?.message ?? "").length > 0, "the client's reason is kept");
    assert.equal(await call(), "c", "still routed by the last accepted routes");
    await h.put(["routes", routes(0, 100)]);
  });

  test("with the control plane stopped the client keeps working", async () => {
    await h.close();
    for (let i = 0; i < 5; i++) assert.equal(await call(), "c");
    h = await startHarness(); // so after() has something to close
  });
});
