// A proxy with raw config whose TLS listener names its roots by SDS
// (validation_context_sds_secret_config: ROOTCA), against a real control plane's xDS server on
// 127.0.0.1: ROOTCA comes from the control plane and the listener serves mTLS with it; the proxy
// is not ready while a secret it names has not come; a secret the process holds itself wins and is
// not asked for; and a new root (another control plane, after fail-over) reaches new connections
// while an open one runs on.
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { type RunningProxy, startProxy } from "../../../data-plane/src/proxy/main.js";
import { workloadSecrets } from "../../../data-plane/src/sidecar/workload-secrets.js";
import { ProxySecrets } from "../../../data-plane/src/tls/index.js";
import { type Harness, SDS, startHarness, typeStatusOf } from "../../control-plane/xds/harness.js";
import { freePort } from "../../ports.js";
import { until } from "../../until.js";
import { inlineCertificate, makePki, type Pki, type Workload } from "./pki.js";

const DOWNSTREAM = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ROUTER = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

let mesh: Pki;
let other: Pki;
let catalog: Workload;
let web: Workload;
let stranger: Workload;
let backend: http.Server;
let backendPort: number;

before(async () => {
  mesh = await makePki();
  other = await makePki();
  catalog = await mesh.issue("catalog");
  web = await mesh.issue("web");
  stranger = await other.issue("web");
  backend = http.createServer((_req, res) => res.end("hello"));
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  backendPort = (backend.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => backend.close(() => resolve())));

/** The backend cluster and a listener on `port` requiring a client certificate verified against the secret `roots`. */
function rawConfig(port: number, roots: string): [["clusters", unknown], ["listeners", unknown]] {
  const cluster = {
    name: "backend",
    type: "STATIC",
    connect_timeout: "1s",
    load_assignment: {
      cluster_name: "backend",
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: backendPort } } } },
          ],
        },
      ],
    },
  };
  const listener = {
    name: "secure",
    address: { socket_address: { address: "127.0.0.1", port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: "envoy.filters.network.http_connection_manager",
            typed_config: {
              "@type": HCM,
              stat_prefix: "secure",
              route_config: {
                name: "local",
                virtual_hosts: [
                  { name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "backend" } }] },
                ],
              },
              http_filters: [{ name: "router", typed_config: { "@type": ROUTER } }],
            },
          },
        ],
        transport_socket: {
          name: "envoy.transport_sockets.tls",
          typed_config: {
            "@type": DOWNSTREAM,
            require_client_certificate: true,
            common_tls_context: {
              tls_certificates: [inlineCertificate(catalog)],
              validation_context_sds_secret_config: { name: roots, sds_config: { ads: {} } },
            },
          },
        },
      },
    ],
  };
  return [
    ["clusters", cluster],
    ["listeners", listener],
  ];
}

interface Running {
  readonly proxy: RunningProxy;
  readonly nodeId: string;
  /** Resolves once `check` holds, re-checked at each event of the proxy's xDS client. */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

let nodes = 0;
async function proxyOf(
  servers: readonly Harness[],
  options: { delta?: boolean; secrets?: ProxySecrets } = {},
): Promise<Running> {
  const nodeId = `sds-proxy-${++nodes}`;
  const proxy = await startProxy({
    node: { id: nodeId, cluster: "raw", userAgentVersion: "test" },
    xdsServers: servers.map((h) => h.address),
    delta: options.delta ?? false,
    admin: { host: "127.0.0.1", port: 0 },
    accessLog: "off",
    logger: pino({ level: "silent" }),
    xdsReconnectMaxDelayMs: 50,
    ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
  });
  return {
    proxy,
    nodeId,
    until: (check, what, timeoutMs) =>
      until([(listener) => proxy.xdsEvents(() => listener())], check, what, timeoutMs ?? 5_000),
  };
}

/** The status of a GET over mTLS presenting `client`'s certificate, or "refused" when the connection fails. */
function get(
  port: number,
  client: Workload,
  agent?: https.Agent,
): Promise<{ status: number | "refused"; reused: boolean }> {
  return new Promise((resolve) => {
    const req = https.get(
      {
        host: "127.0.0.1",
        port,
        path: "/",
        cert: client.chainPem,
        key: client.keyPem,
        // The proxy's identity is a SPIFFE ID, not a host name; these tests check the proxy's side.
        rejectUnauthorized: false,
        ...(agent === undefined ? { agent: false } : { agent }),
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
      },
    );
    req.on("error", () => resolve({ status: "refused", reused: req.reusedSocket }));
  });
}

for (const delta of [false, true]) {
  describe(`a raw TLS listener's roots over SDS (${delta ? "delta" : "SotW"})`, () => {
    let h: Harness;
    let port: number;
    let running: Running;
    before(async () => {
      h = await startHarness({ secrets: { trustBundlePem: mesh.rootPem } });
      port = await freePort();
      await h.put(...rawConfig(port, "ROOTCA"));
      running = await proxyOf([h], { delta });
      await running.until(() => running.proxy.runtime.readiness().ready, "the proxy ready");
    });
    after(async () => {
      await running.proxy.close();
      await h.close();
    });

    test("the listener gets ROOTCA from the control plane and serves mTLS with it", async () => {
      assert.deepEqual(await get(port, web), { status: 200, reused: false });
      assert.equal((await get(port, stranger)).status, "refused", "a client certificate from another root");
      await until([h.changes], () => typeStatusOf(h, running.nodeId, SDS)?.state === "SYNCED", "SDS SYNCED");
      assert.deepEqual(typeStatusOf(h, running.nodeId, SDS)?.subscribed, ["ROOTCA"]);
    });

    test("/config_dump shows the served secret, and no private key", () => {
      const dump = running.proxy.runtime.configDump() as {
        secrets: { resources: { name: string; state: string; resource: Record<string, unknown> }[]; local: string[] };
      };
      assert.deepEqual(
        dump.secrets.resources.map((r) => [r.name, r.state]),
        [["ROOTCA", "ACTIVE"]],
      );
      assert.deepEqual(dump.secrets.local, []);
      const root = dump.secrets.resources[0]?.resource as { validation_context?: { trusted_ca?: unknown } };
      assert.ok(root.validation_context?.trusted_ca !== undefined);
      const text = JSON.stringify(dump);
      assert.ok(!text.includes("PRIVATE KEY"), "no key material anywhere in the dump");
      assert.ok(text.includes('"private_key":{"inline_string":"[redacted]"}'), "the listener's own key, redacted");
    });
  });
}

describe("SDS secrets the proxy waits for, and the ones it holds", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ secrets: { trustBundlePem: mesh.rootPem } });
  });
  after(() => h.close());

  test("a listener naming `default`, which the control plane never serves, keeps the proxy not ready", async () => {
    const port = await freePort();
    await h.put(...rawConfig(port, "default"));
    const running = await proxyOf([h]);
    try {
      const waiting = () => running.proxy.runtime.readiness().waitingFor;
      await until(
        [h.changes],
        () => typeStatusOf(h, running.nodeId, SDS)?.state === "SYNCED",
        "the proxy's subscription to `default` answered",
        5_000,
      );
      assert.deepEqual(typeStatusOf(h, running.nodeId, SDS)?.subscribed, ["default"]);
      assert.deepEqual(waiting(), ["secrets: default"]);
      assert.equal(running.proxy.runtime.readiness().ready, false);
    } finally {
      await running.proxy.close();
    }
  });

  test("a secret the process holds wins and is not asked of the control plane", async () => {
    const port = await freePort();
    await h.put(...rawConfig(port, "ROOTCA"));
    // The process's own ROOTCA is another mesh's root: only that mesh's clients get through.
    const secrets = new ProxySecrets();
    const [, otherRoot] = workloadSecrets([stranger.chainPem, other.rootPem], stranger.keyPem);
    secrets.setLocal(otherRoot);
    const running = await proxyOf([h], { secrets });
    try {
      await running.until(() => running.proxy.runtime.readiness().ready, "the proxy ready");
      assert.equal((await get(port, stranger)).status, 200);
      assert.equal((await get(port, web)).status, "refused");
      assert.equal(typeStatusOf(h, running.nodeId, SDS), undefined, "secrets were never requested");
      const dump = running.proxy.runtime.configDump() as { secrets: { resources: unknown[]; local: string[] } };
      assert.deepEqual(dump.secrets, { ...dump.secrets, resources: [], local: ["ROOTCA"] });
    } finally {
      await running.proxy.close();
    }
  });
});

describe("a new root over SDS", () => {
  test("after fail-over to a control plane with another root, new connections use it and an open one runs on", async () => {
    const first = await startHarness({ secrets: { trustBundlePem: mesh.rootPem } });
    const second = await startHarness({ secrets: { trustBundlePem: other.rootPem } });
    const port = await freePort();
    await first.put(...rawConfig(port, "ROOTCA"));
    await second.put(...rawConfig(port, "ROOTCA"));
    const running = await proxyOf([first, second]);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await running.until(() => running.proxy.runtime.readiness().ready, "the proxy ready");
      assert.deepEqual(await get(port, web, agent), { status: 200, reused: false });
      await first.close();
      await until(
        [second.changes],
        () => typeStatusOf(second, running.nodeId, SDS)?.state === "SYNCED",
        "the new root acknowledged",
        10_000,
      );
      assert.deepEqual(await get(port, web, agent), { status: 200, reused: true }, "the open connection runs on");
      assert.equal((await get(port, web)).status, "refused", "a new connection is checked against the new root");
      assert.equal((await get(port, stranger)).status, 200);
    } finally {
      agent.destroy();
      await running.proxy.close();
      await second.close();
    }
  });
});
