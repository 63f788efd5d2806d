// Fault injection through the proxy on real sockets: routes whose typed_per_filter_config carries
// an HTTPFault are aborted (HTTP status, or a gRPC status as a trailers-only answer a grpc-js
// client reads) or delayed before being forwarded; a route without one reaches its backend.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import grpc from "@grpc/grpc-js";
import { buildListener, buildRouteConfig } from "../../../data-plane/src/config/index.js";
import { FAULT_ABORT_BODY } from "../../../data-plane/src/http/fault-filter.js";
import { ResponseFlag } from "../../../data-plane/src/observer/request-observer.js";
import { httpListener, listener, ROUTER_FILTER, routeConfig } from "../config/fixtures.js";
import { staticCluster } from "../upstream/backends.js";
import { h1Request, type Server, startHttpBackend, startProxy, type TestProxy } from "./harness.js";

const FAULT_TYPE = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";
const FAULT = "envoy.filters.http.fault";
const ALL = { numerator: 100 };

const fault = (config: Record<string, unknown>) => ({
  typed_per_filter_config: { [FAULT]: { "@type": FAULT_TYPE, ...config } },
});

const unary = {
  path: "/weft.test.Echo/Unary",
  requestStream: false,
  responseStream: false,
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};
const EchoClient = grpc.makeGenericClientConstructor({ unary }, "Echo") as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
) => grpc.Client & { unary(request: Buffer, callback: (error: grpc.ServiceError | null) => void): void };

describe("fault injection through the proxy", () => {
  let backend: Server;
  let backendCalls = 0;
  let proxy: TestProxy;

  before(async () => {
    backend = await startHttpBackend((req, res) => {
      backendCalls++;
      req.resume();
      res.end("from backend");
    });
    const own = buildListener(
      listener(httpListener({ http_filters: [{ name: FAULT, typed_config: { "@type": FAULT_TYPE } }, ROUTER_FILTER] })),
    ).http?.fault;
    const routes = buildRouteConfig(
      routeConfig({
        name: "faults",
        virtual_hosts: [
          {
            name: "all",
            domains: ["*"],
            routes: [
              {
                match: { prefix: "/abort" },
                route: { cluster: "backend" },
                ...fault({ abort: { http_status: 503, percentage: ALL } }),
              },
              {
                match: { prefix: "/delay" },
                route: { cluster: "backend" },
                ...fault({ delay: { fixed_delay: "0.020s", percentage: ALL } }),
              },
              {
                match: { prefix: "/weft.test.Echo/" },
                route: { cluster: "backend" },
                ...fault({ abort: { grpc_status: 14, percentage: ALL } }),
              },
              { match: { prefix: "/" }, route: { cluster: "backend" } },
            ],
          },
        ],
      }),
    );
    proxy = await startProxy({
      table: routes.routeTable,
      clusters: [staticCluster("backend", { host: "127.0.0.1", port: backend.port, weight: 1, health: "HEALTHY" })],
      http: { fault: own },
    });
  });
  after(async () => {
    await proxy.close();
    await backend.close();
  });

  test("a route whose fault aborts answers its HTTP status without reaching the backend", async () => {
    const calls = backendCalls;
    const record = proxy.nextRecord();
    const reply = await h1Request(proxy.port, { path: "/abort/x" });
    assert.equal(reply.status, 503);
    assert.equal(reply.body.toString(), FAULT_ABORT_BODY);
    assert.deepEqual((await record).responseFlags, [ResponseFlag.faultInjected]);
    assert.equal(backendCalls, calls);
  });

  test("a route whose fault delays forwards the request after the delay, flagged DI", async () => {
    const record = proxy.nextRecord();
    const reply = await h1Request(proxy.port, { path: "/delay" });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.toString(), "from backend");
    assert.deepEqual((await record).responseFlags, [ResponseFlag.delayInjected]);
  });

  test("a route without a fault reaches the backend: the filter's own config injects nothing", async () => {
    const record = proxy.nextRecord();
    const reply = await h1Request(proxy.port, { path: "/plain" });
    assert.equal(reply.status, 200);
    assert.deepEqual((await record).responseFlags, []);
  });

  test("a gRPC call aborted with a gRPC status fails with that status at the client", async () => {
    const client = new EchoClient(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
    try {
      const record = proxy.nextRecord();
      const error = await new Promise<grpc.ServiceError | null>((resolve) => {
        client.unary(Buffer.from("hi"), resolve);
      });
      assert.equal(error?.code, grpc.status.UNAVAILABLE);
      assert.equal(error?.details, FAULT_ABORT_BODY);
      const r = await record;
      assert.equal(r.status, 200);
      assert.equal(r.grpcStatus, 14);
      assert.deepEqual(r.responseFlags, [ResponseFlag.faultInjected]);
    } finally {
      client.close();
    }
  });
});
