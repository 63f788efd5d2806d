// ProxyRuntime: xDS responses (handed to its per-type handlers as the ADS client would) become
// listeners on real sockets and clusters in a real cluster manager. Handlers are fakes that answer
// which listener and route table served a request.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { afterEach, describe, test } from "node:test";
import pino from "pino";
import { parseResource } from "../../../control-plane/src/resources/index.js";
import type { ListenerHandler } from "../../../data-plane/src/listeners/index.js";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { ProxyRuntime } from "../../../data-plane/src/proxy/runtime.js";
import { ClusterManager } from "../../../data-plane/src/upstream/index.js";
import { decodeResources } from "../../../data-plane/src/xds-client/decode-response.js";
import type { DecodedResource, TypeSubscription } from "../../../data-plane/src/xds-client/index.js";
import { decodeJson, packAny, TypeUrl, typeNameOf } from "../../../proto/index.js";
import { freePort, refusesConnections } from "../../ports.js";
import { ManualClock } from "../../time/manual-clock.js";
import {
  assignment,
  cluster,
  edsCluster,
  endpointJson,
  httpListener,
  type Json,
  listener,
  routeConfig,
} from "../config/fixtures.js";

const logger = pino({ level: "silent" });

interface Setup {
  readonly runtime: ProxyRuntime;
  readonly listeners: ListenerManager;
  readonly clusters: ClusterManager;
  readonly names: Map<string, readonly string[]>;
  send(typeUrl: string, resources: DecodedResource[], versionInfo?: string): Promise<undefined | Error>;
  now: number;
}

const opened: Setup[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) {
    s.runtime.close();
    await s.listeners.close();
    await s.clusters.close();
  }
});

/** A runtime whose HTTP handler answers "<listener>:<route table name or none>". */
function setup(options: { protocol?: "sotw" | "delta"; warmingTimeoutMs?: number; clock?: ManualClock } = {}): Setup {
  const listeners = new ListenerManager();
  const clusters = new ClusterManager();
  const names = new Map<string, readonly string[]>();
  const handler =
    (name: string, table: () => { name: string } | undefined): ListenerHandler =>
    (_req, res) => {
      res.end(`${name}:${table()?.name ?? "none"}`);
    };
  const runtime = new ProxyRuntime({
    listeners,
    clusters,
    protocol: options.protocol ?? "sotw",
    logger,
    ...(options.warmingTimeoutMs === undefined ? {} : { warmingTimeoutMs: options.warmingTimeoutMs }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    handlers: {
      http: (name, _http, routeTable) => handler(name, routeTable),
      tcp: () => (socket) => socket.end("tcp"),
    },
  });
  runtime.attach({ setNames: (typeUrl, list) => names.set(typeUrl, [...list]) });
  const byType = new Map<string, TypeSubscription>(runtime.subscriptions.map((s) => [s.typeUrl, s]));
  const s: Setup = {
    runtime,
    listeners,
    clusters,
    names,
    now: 0,
    send: async (typeUrl, resources, versionInfo = "v1") => {
      const sub = byType.get(typeUrl);
      assert.ok(sub);
      return (await sub.handler(resources, { typeUrl, versionInfo })) ?? undefined;
    },
  };
  opened.push(s);
  return s;
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}

interface DumpedType {
  readonly versionInfo: string;
  readonly resources: readonly { name: string; version: string; versionInfo: string; state: string }[];
}

interface Dump {
  readonly listeners: DumpedType;
  readonly routes: DumpedType;
  readonly clusters: DumpedType;
  readonly endpoints: DumpedType;
}

/** Holds 127.0.0.1:<some port> the way another process would; close() frees it. */
async function holdPort(): Promise<{ readonly port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  let open = true;
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      if (!open) return;
      open = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves with the listen error code at 127.0.0.1:port, or "bound" (then frees it again). */
async function tryBind(port: number): Promise<string> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve("bound")));
  });
}

/** Resolves once the server at 127.0.0.1:port has accepted a connection (the socket stays open). */
function connected(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** The names and states /config_dump shows for listeners. */
function listenerStates(runtime: ProxyRuntime): string[][] {
  return (runtime.configDump() as unknown as Dump).listeners.resources.map((l) => [l.name, l.state]);
}

function ldsJson(name: string, port: number, routeName = "local_route"): Json {
  return httpListener(
    { rds: { route_config_name: routeName, config_source: { ads: {}, resource_api_version: "V3" } } },
    { name, address: { socket_address: { address: "127.0.0.1", port_value: port } } },
  );
}

function lds(name: string, port: number, routeName = "local_route"): DecodedResource {
  return { name, resource: listener(ldsJson(name, port, routeName)) };
}

function routeJson(name: string, domains: string[]): Json {
  return {
    name,
    virtual_hosts: [{ name: "all", domains, routes: [{ match: { prefix: "/" }, route: { cluster: "c" } }] }],
  };
}

/** Resources as a SotW response brings them: packed into Anys by their JSON, then decoded by the client. */
function received(typeUrl: string, jsons: Json[]): DecodedResource[] {
  const typeName = typeNameOf(typeUrl) ?? "";
  return decodeResources(
    typeUrl,
    jsons.map((json) => packAny(typeName, decodeJson(typeName, json))),
  );
}

function rds(name: string): DecodedResource {
  return {
    name,
    resource: routeConfig({
      name,
      virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "c" } }] }],
    }),
  };
}

describe("ProxyRuntime", () => {
  test("a warming listener has its port bound before its routes arrive, and a request made meanwhile is served with them", async () => {
    const s = setup();
    const port = await freePort();
    assert.equal(await s.send(TypeUrl.listener, [lds("front", port, "r1")]), undefined);
    assert.deepEqual(s.names.get(TypeUrl.route), ["r1"]);
    assert.deepEqual(s.listeners.names(), [], "not serving yet");
    assert.deepEqual(s.listeners.reservations(), ["front"]);
    assert.equal(await tryBind(port), "EADDRINUSE", "its port is bound already");
    assert.deepEqual(listenerStates(s.runtime), [["front", "WARMING"]]);
    assert.deepEqual(s.runtime.readiness().waitingFor, ["clusters", "routes: r1"]);
    // Accepted while warming, then held: answered by the listener's chain once its routes are in.
    const early = get(port);
    await s.send(TypeUrl.route, [rds("r1")]);
    assert.equal(await early, "front:r1");
    assert.deepEqual(s.listeners.names(), ["front"]);
    assert.deepEqual(s.listeners.reservations(), []);
    assert.equal(await get(port), "front:r1");
    assert.deepEqual(listenerStates(s.runtime), [["front", "ACTIVE"]]);
  });

  test("an updated listener naming a new route keeps serving its old version until that route arrives", async () => {
    const s = setup();
    const port = await freePort();
    await s.send(TypeUrl.listener, [lds("front", port, "r1")]);
    await s.send(TypeUrl.route, [rds("r1")]);
    assert.equal(await get(port), "front:r1");
    await s.send(TypeUrl.listener, [lds("front", port, "r2")], "v2");
    assert.equal(await get(port), "front:r1");
    await s.send(TypeUrl.route, [rds("r2")], "v2");
    assert.equal(await get(port), "front:r2");
  });

  test("a warming listener serves with what it has once the warming timeout passes, also connections it held, and the proxy stays not ready", async () => {
    const clock = new ManualClock();
    const s = setup({ warmingTimeoutMs: 100, clock });
    const port = await freePort();
    await s.send(TypeUrl.listener, [lds("front", port, "never")]);
    assert.deepEqual(s.listeners.names(), []);
    // Held while warming; the timeout hands it to the chain, which has no route table.
    let answered = false;
    const held = get(port).finally(() => {
      answered = true;
    });
    await clock.advance(99);
    assert.deepEqual(s.listeners.names(), [], "still warming 1 ms before the timeout");
    assert.equal(answered, false, "the held connection waits");
    await clock.advance(1);
    assert.equal(await held, "front:none");
    assert.deepEqual(s.listeners.names(), ["front"]);
    assert.equal(await get(port), "front:none");
    await s.send(TypeUrl.cluster, []);
    assert.deepEqual(s.runtime.readiness(), { ready: false, waitingFor: ["routes: never"] }, "serving is not ready");
  });

  test("a response that does not build is refused and changes nothing", async () => {
    const s = setup();
    const port = await freePort();
    await s.send(TypeUrl.listener, [lds("front", port, "r1")]);
    await s.send(TypeUrl.route, [rds("r1")]);
    const bad = lds("broken", await freePort());
    (bad.resource as { filterChains: unknown[] }).filterChains = [];
    const error = await s.send(TypeUrl.listener, [lds("front", await freePort(), "r1"), bad], "v2");
    assert.equal((error as { code?: string }).code, "WEFT_PROXY_CONFIG_INVALID_FILTER_CHAIN");
    assert.deepEqual(s.listeners.names(), ["front"]);
    assert.equal(await get(port), "front:r1");
  });

  test("a new warming listener on a taken port NACKs the response that brings it, by name, while the others apply", async () => {
    const s = setup();
    const blocker = await holdPort();
    try {
      const port = await freePort();
      const refused = await s.send(TypeUrl.listener, [lds("taken", blocker.port), lds("free", port)]);
      assert.equal((refused as { code?: string }).code, "WEFT_XDS_REJECTED");
      assert.equal((refused as { resourceName?: string }).resourceName, "taken");
      assert.equal(((refused as Error).cause as { code?: string }).code, "WEFT_PROXY_LISTENER_BIND");
      assert.deepEqual(s.listeners.reservations(), ["free"]);
      assert.deepEqual(listenerStates(s.runtime), [["free", "WARMING"]], "the refused listener is not held");
      assert.equal((s.runtime.configDump() as unknown as Dump).listeners.versionInfo, "", "nothing acknowledged");
      assert.equal(await s.send(TypeUrl.route, [rds("local_route")]), undefined);
      assert.deepEqual(s.listeners.names(), ["free"]);
      assert.equal(await get(port), "free:local_route");
      assert.deepEqual(listenerStates(s.runtime), [["free", "ACTIVE"]], "nothing is left BIND_FAILED");
    } finally {
      await blocker.close();
    }
  });

  test("a new listener refused for a taken port is not held, so later updates never bind it", async () => {
    const s = setup();
    const blocker = await holdPort();
    try {
      const port = await freePort();
      const refused = await s.send(TypeUrl.listener, [lds("front", port), lds("taken", blocker.port)]);
      assert.equal((refused as { code?: string }).code, "WEFT_XDS_REJECTED");
      assert.equal((refused as { resourceName?: string }).resourceName, "taken");
      const dump = s.runtime.configDump() as unknown as Dump;
      assert.deepEqual(
        dump.listeners.resources.map((l) => l.name),
        ["front"],
      );
      assert.deepEqual(s.names.get(TypeUrl.route), ["local_route"]);
      await blocker.close();
      // The port is free now: neither a route update nor a listener update brings "taken" back.
      assert.equal(await s.send(TypeUrl.route, [rds("local_route")]), undefined);
      assert.equal(await s.send(TypeUrl.listener, [lds("front", port)], "v2"), undefined);
      assert.deepEqual(s.listeners.names(), ["front"]);
      assert.deepEqual(s.listeners.reservations(), []);
      assert.equal(await refusesConnections(blocker.port), true);
      assert.equal(await get(port), "front:local_route");
    } finally {
      await blocker.close();
    }
  });

  test("a new listener whose routes are already in and whose port is taken is refused by name", async () => {
    const s = setup();
    const blocker = await holdPort();
    try {
      const port = await freePort();
      await s.send(TypeUrl.listener, [lds("front", port)]);
      await s.send(TypeUrl.route, [rds("local_route")]);
      const refused = await s.send(TypeUrl.listener, [lds("front", port), lds("taken", blocker.port)], "v2");
      assert.equal((refused as { resourceName?: string }).resourceName, "taken");
      assert.deepEqual(listenerStates(s.runtime), [["front", "ACTIVE"]]);
      assert.equal((s.runtime.configDump() as unknown as Dump).listeners.versionInfo, "v1");
    } finally {
      await blocker.close();
    }
  });

  test("a listener moved to a taken port is refused and serves again at its acknowledged address", async () => {
    const s = setup();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const port = await freePort();
      await s.send(TypeUrl.listener, [lds("front", port)]);
      await s.send(TypeUrl.route, [rds("local_route")]);
      const refused = await s.send(TypeUrl.listener, [lds("front", taken)], "v2");
      assert.equal((refused as { resourceName?: string }).resourceName, "front");
      assert.deepEqual(s.listeners.names(), ["front"]);
      assert.equal(s.listeners.address("front")?.port, port);
      assert.equal(await get(port), "front:local_route");
      const dump = s.runtime.configDump() as { listeners: { resources: { name: string; state: string }[] } };
      assert.deepEqual(
        dump.listeners.resources.map((l) => [l.name, l.state]),
        [["front", "ACTIVE"]],
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test("a listener moved to a taken port while its new version warms is refused and keeps serving where it was", async () => {
    const s = setup();
    const blocker = await holdPort();
    try {
      const port = await freePort();
      await s.send(TypeUrl.listener, [lds("front", port, "r1")]);
      await s.send(TypeUrl.route, [rds("r1")]);
      const refused = await s.send(TypeUrl.listener, [lds("front", blocker.port, "r2")], "v2");
      assert.equal((refused as { resourceName?: string }).resourceName, "front");
      assert.deepEqual(s.listeners.reservations(), []);
      assert.deepEqual(listenerStates(s.runtime), [["front", "ACTIVE"]]);
      assert.deepEqual(s.names.get(TypeUrl.route), ["r1"], "the refused version's routes are not asked for");
      assert.equal(await get(port), "front:r1");
    } finally {
      await blocker.close();
    }
  });

  test("a listener moving to a free port while its new version warms serves at its old address until then", async () => {
    const s = setup();
    const [port, next] = [await freePort(), await freePort()];
    await s.send(TypeUrl.listener, [lds("front", port, "r1")]);
    await s.send(TypeUrl.route, [rds("r1")]);
    assert.equal(await s.send(TypeUrl.listener, [lds("front", next, "r2")], "v2"), undefined);
    assert.equal(s.listeners.reservedAddress("front")?.port, next, "the new address is bound already");
    assert.equal(await get(port), "front:r1", "the old version serves meanwhile");
    const early = get(next);
    await s.send(TypeUrl.route, [rds("r2")], "v2");
    assert.equal(await early, "front:r2");
    assert.equal(s.listeners.address("front")?.port, next);
    assert.equal(await refusesConnections(port), true, "the old address is let go");
  });

  test("a warming listener deleted before its routes arrive frees its port and closes what it held", async () => {
    const s = setup();
    const port = await freePort();
    await s.send(TypeUrl.listener, [lds("front", port, "r1")]);
    const held = await connected(port);
    const closed = new Promise<void>((resolve) => held.once("close", () => resolve()));
    held.on("error", () => undefined);
    assert.equal(await s.send(TypeUrl.listener, [], "v2"), undefined);
    await closed;
    assert.deepEqual(s.listeners.reservations(), []);
    assert.equal(await refusesConnections(port), true);
    assert.deepEqual(s.names.get(TypeUrl.route), []);
  });

  test("SotW route responses are merged, and names no longer referenced are dropped", async () => {
    const s = setup();
    const [p1, p2] = [await freePort(), await freePort()];
    await s.send(TypeUrl.listener, [lds("one", p1, "r1"), lds("two", p2, "r2")]);
    await s.send(TypeUrl.route, [rds("r1")]);
    await s.send(TypeUrl.route, [rds("r2")], "v2");
    assert.equal(await get(p1), "one:r1");
    assert.equal(await get(p2), "two:r2");
    await s.send(TypeUrl.listener, [lds("one", p1, "r1")], "v2");
    assert.deepEqual(s.names.get(TypeUrl.route), ["r1"]);
    const dump = s.runtime.configDump() as { routes: { resources: { name: string; versionInfo: string }[] } };
    assert.deepEqual(
      dump.routes.resources.map((r) => [r.name, r.versionInfo]),
      [["r1", "v1"]],
    );
  });

  test("in SotW each resource shows its content version, the one the control plane gives the same content", async () => {
    const s = setup();
    const json = ldsJson("front", await freePort());
    await s.send(TypeUrl.listener, received(TypeUrl.listener, [json]), "v1");
    const dump = s.runtime.configDump() as unknown as Dump;
    assert.equal(dump.listeners.resources[0]?.version, parseResource("listeners", json).version);
    assert.equal(dump.listeners.resources[0]?.versionInfo, "v1");
    assert.equal(dump.listeners.versionInfo, "v1");
  });

  test("a resource a SotW response repeats unchanged keeps the version_info of the response that changed it", async () => {
    const s = setup();
    await s.send(TypeUrl.listener, received(TypeUrl.listener, [ldsJson("front", await freePort(), "r1")]));
    const r1 = routeJson("r1", ["a.example"]);
    await s.send(TypeUrl.route, received(TypeUrl.route, [r1]), "v1");
    await s.send(TypeUrl.route, received(TypeUrl.route, [r1]), "v2");
    let dump = s.runtime.configDump() as unknown as Dump;
    assert.equal(dump.routes.versionInfo, "v2", "the type's version is the last response's");
    assert.deepEqual(
      dump.routes.resources.map((r) => [r.name, r.version, r.versionInfo, r.state]),
      [["r1", parseResource("routes", r1).version, "v1", "ACTIVE"]],
    );
    const changed = routeJson("r1", ["b.example"]);
    await s.send(TypeUrl.route, received(TypeUrl.route, [changed]), "v3");
    dump = s.runtime.configDump() as unknown as Dump;
    assert.deepEqual(
      dump.routes.resources.map((r) => [r.version, r.versionInfo]),
      [[parseResource("routes", changed).version, "v3"]],
    );
  });

  test("every resource kind in the dump has a state", async () => {
    const s = setup();
    await s.send(TypeUrl.listener, [lds("front", await freePort())]);
    await s.send(TypeUrl.route, [rds("local_route")]);
    await s.send(TypeUrl.cluster, [
      { name: "c", resource: cluster(edsCluster({ name: "c", eds_cluster_config: { eds_config: { ads: {} } } })) },
    ]);
    await s.send(TypeUrl.endpoint, [{ name: "c", resource: assignment({ cluster_name: "c", endpoints: [] }) }]);
    const dump = s.runtime.configDump() as unknown as Dump;
    for (const kind of ["listeners", "routes", "clusters", "endpoints"] as const) {
      assert.deepEqual(
        dump[kind].resources.map((r) => r.state),
        ["ACTIVE"],
        kind,
      );
    }
  });

  test("delta route responses are the full set: a name missing from it is gone", async () => {
    const s = setup({ protocol: "delta" });
    const p1 = await freePort();
    await s.send(TypeUrl.listener, [lds("one", p1, "r1")]);
    await s.send(TypeUrl.route, [{ ...rds("r1"), version: "h1" }]);
    const dump = s.runtime.configDump() as { routes: { resources: { name: string; version: string }[] } };
    assert.deepEqual(
      dump.routes.resources.map((r) => [r.name, r.version]),
      [["r1", "h1"]],
    );
    await s.send(TypeUrl.route, [], "v2");
    assert.equal(await get(p1), "one:none");
  });

  test("clusters subscribe their EDS names, warm until endpoints arrive, and readiness follows", async () => {
    const s = setup();
    await s.send(TypeUrl.listener, []);
    await s.send(TypeUrl.cluster, [
      { name: "c", resource: cluster(edsCluster({ name: "c", eds_cluster_config: { eds_config: { ads: {} } } })) },
    ]);
    assert.deepEqual(s.names.get(TypeUrl.endpoint), ["c"]);
    assert.equal(s.clusters.warming("c"), true);
    assert.deepEqual(s.runtime.readiness(), { ready: false, waitingFor: ["endpoints: c"] });
    await s.send(TypeUrl.endpoint, [
      {
        name: "c",
        resource: assignment({ cluster_name: "c", endpoints: [{ lb_endpoints: [endpointJson("127.0.0.1", 9)] }] }),
      },
    ]);
    assert.equal(s.clusters.warming("c"), false);
    assert.equal(s.clusters.pick("c")?.address, "127.0.0.1:9");
    assert.deepEqual(s.runtime.readiness(), { ready: true, waitingFor: [] });
  });
});
