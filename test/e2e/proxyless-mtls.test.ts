// gRPC proxyless clients and servers with mutual TLS from the mesh, real processes on 127.0.0.1: a
// control plane in STRICT mode, certificates written by `weft cert issue` (the server's kept by
// `--renew`), an unmodified @grpc/grpc-js-xds XdsServer with XdsServerCredentials registered as a
// WorkloadEntry, and grpc-js-xds clients whose bootstraps point the `weft` file_watcher
// certificate provider at those files and that check the server's SPIFFE ID. gRPC's xDS client
// and certificate watchers live until their process ends, so clients and servers run as child
// processes (fixtures/grpc-xds-*.mjs).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { GRPC_SERVER_LISTENER_TEMPLATE } from "../../control-plane/src/mesh/compiler/index.js";
import { Api } from "./mesh.js";
import {
  bin,
  type Child,
  type ControlPlane,
  freePort,
  root,
  spawnUntil,
  startControlPlane,
  tempDir,
} from "./processes.js";
import { joinToken } from "./sidecars.js";

const fixtures = join(root, "test", "e2e", "fixtures");
const LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";

const grpcService = (name: string) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ name: "grpc", port: 9090, appProtocol: "grpc" }] },
});

const workloadEntry = (name: string, app: string, port: number) => ({
  apiVersion: "networking.istio.io/v1",
  kind: "WorkloadEntry",
  metadata: { name },
  spec: { address: "127.0.0.1", ports: { grpc: port }, labels: { app } },
});

/** `weft cert issue` once for `service` into a new folder; resolves with the folder once it exits 0. */
async function issueOnce(plane: ControlPlane, service: string): Promise<string> {
  const out = tempDir();
  const token = await joinToken(plane, service);
  const args = [bin, "cert", "issue", "--service", service, "--out", out, "--xds-server", plane.xds];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, WEFT_JOIN_TOKEN: token },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(timer);
  assert.equal(code, 0, `weft cert issue --service ${service} exited with ${code}`);
  return out;
}

/** A grpc-js-xds bootstrap for the control plane, with the `weft` provider over `certs` if given. */
function bootstrap(plane: ControlPlane, nodeId: string, options: { certs?: string; mtls?: boolean } = {}): string {
  const { certs, mtls = false } = options;
  return JSON.stringify({
    xds_servers: [{ server_uri: plane.xds, channel_creds: [{ type: "insecure" }], server_features: [] }],
    node: { id: nodeId, cluster: "shop", locality: {}, metadata: mtls ? { weft: { mtls: true } } : {} },
    server_listener_resource_name_template: GRPC_SERVER_LISTENER_TEMPLATE,
    ...(certs === undefined
      ? {}
      : {
          certificate_providers: {
            weft: {
              plugin_name: "file_watcher",
              config: {
                certificate_file: join(certs, "cert-chain.pem"),
                private_key_file: join(certs, "key.pem"),
                ca_certificate_file: join(certs, "root-cert.pem"),
                refresh_interval: "60s",
              },
            },
          },
        }),
  });
}

describe("e2e: gRPC proxyless clients and servers with mTLS from the mesh (STRICT)", () => {
  let plane: ControlPlane;
  let api: Api;
  let renewer: Child;
  let server: Child;
  let impostor: Child;
  let serverPort: number;
  let impostorPort: number;
  let clientCerts: string;

  before(async () => {
    plane = await startControlPlane({ env: { WEFT_MTLS_MODE: "STRICT" } });
    api = new Api(`http://${plane.api}`);
    serverPort = await freePort();
    impostorPort = await freePort();
    const applied = await fetch(`http://${plane.api}/v1/apply`, {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      // ledger's one instance is served with echo's certificate: an impostor its clients must refuse.
      body: [
        grpcService("echo"),
        grpcService("ledger"),
        workloadEntry("echo-1", "echo", serverPort),
        workloadEntry("ledger-1", "ledger", impostorPort),
      ]
        .map((document) => JSON.stringify(document))
        .join("\n---\n"),
    });
    assert.equal(applied.status, 200, await applied.text());
    const serverCerts = tempDir();
    const token = await joinToken(plane, "echo");
    ({ running: renewer } = await spawnUntil(
      [bin, "cert", "issue", "--service", "echo", "--out", serverCerts, "--xds-server", plane.xds, "--renew"],
      (line) => line.msg === "certificate written",
      { WEFT_JOIN_TOKEN: token },
    ));
    clientCerts = await issueOnce(plane, "shop");
    ({ running: server } = await spawnUntil(
      [join(fixtures, "grpc-xds-server.mjs"), "echo", `127.0.0.1:${serverPort}`],
      (line) => "serving" in line,
      { GRPC_XDS_BOOTSTRAP_CONFIG: bootstrap(plane, "echo-server-1", { certs: serverCerts }) },
    ));
    ({ running: impostor } = await spawnUntil(
      [join(fixtures, "grpc-xds-server.mjs"), "impostor", `127.0.0.1:${impostorPort}`],
      (line) => "serving" in line,
      { GRPC_XDS_BOOTSTRAP_CONFIG: bootstrap(plane, "ledger-server-1", { certs: serverCerts }) },
    ));
  });

  after(async () => {
    await Promise.all([server?.stop(), impostor?.stop(), renewer?.stop()]);
    await plane?.stop();
  });

  /** Runs a client until five answers in a row are `expected`; resolves with its last answer. */
  async function settle(
    credentials: "xds" | "insecure",
    expected: string,
    options: { nodeId: string; certs?: string; mtls?: boolean; target?: string },
  ): Promise<{ settled: boolean; last: string }> {
    const { running, line } = await spawnUntil(
      [join(fixtures, "grpc-xds-client.mjs"), options.target ?? "xds:///echo", credentials, expected],
      (l) => "settled" in l,
      { GRPC_XDS_BOOTSTRAP_CONFIG: bootstrap(plane, options.nodeId, options) },
    );
    await running.exited;
    return { settled: line.settled === true, last: String(line.last) };
  }

  test("the XdsServer is served its listener inbound|grpc-server|127.0.0.1:PORT and ACKs it", async () => {
    const proxy = (await api.proxies()).find((p) => p.nodeId === "echo-server-1");
    assert.ok(proxy, "the server's node is connected");
    const lds = proxy.types[LDS] as unknown as { state: string; subscribed: string[] };
    assert.deepEqual(lds.subscribed, [`inbound|grpc-server|127.0.0.1:${serverPort}`]);
    assert.equal(lds.state, "SYNCED");
  });

  test("a client with XdsChannelCredentials and the weft provider calls it over mTLS: the server sees shop's SPIFFE ID", async () => {
    const expected = "echo URI:spiffe://weft.local/service/shop";
    const outcome = await settle("xds", expected, { nodeId: "shop-mtls-1", certs: clientCerts, mtls: true });
    assert.deepEqual(outcome, { settled: true, last: expected });
  });

  test("a client refuses a server of the mesh whose certificate names another Service (match_subject_alt_names)", async () => {
    // The impostor's certificate chains to the mesh root but names echo; the cluster for ledger
    // names ledger's SPIFFE ID, so the handshake fails on the client's side.
    const expected = `error ${GrpcStatus.UNAVAILABLE}`;
    const outcome = await settle("xds", expected, {
      nodeId: "shop-mtls-2",
      certs: clientCerts,
      mtls: true,
      target: "xds:///ledger",
    });
    assert.deepEqual(outcome, { settled: true, last: expected });
  });

  test("a client with insecure credentials is refused by the STRICT server (UNAVAILABLE)", async () => {
    const expected = `error ${GrpcStatus.UNAVAILABLE}`;
    const outcome = await settle("insecure", expected, { nodeId: "shop-plain-1", certs: clientCerts, mtls: true });
    assert.deepEqual(outcome, { settled: true, last: expected });
  });

  test("a client declaring no certificate provider is sent no TLS settings, calls in plaintext and is refused", async () => {
    const expected = `error ${GrpcStatus.UNAVAILABLE}`;
    const outcome = await settle("xds", expected, { nodeId: "shop-plain-2" });
    assert.deepEqual(outcome, { settled: true, last: expected });
  });
});
