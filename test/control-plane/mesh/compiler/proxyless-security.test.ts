// mTLS for gRPC proxyless clients and servers: the clusters a client holding Weft's certificate
// provider is sent, the listeners an XdsServer asks for, and which of them carry TLS in each mode,
// all through gRPC's own xDS validation (with and without the provider in its bootstrap).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CERTIFICATE_PROVIDER_INSTANCE,
  compileProxyless,
  compileProxylessServers,
  GRPC_SERVER_LISTENER_TEMPLATE,
  grpcServerListenerName,
  IDENTITY_ANNOTATION,
  type MeshSecurity,
  type MeshState,
  type MtlsMode,
} from "../../../../control-plane/src/mesh/compiler/index.js";
import { MeshCompilation } from "../../../../control-plane/src/snapshot/mesh-compilation.js";
import { proxylessMtlsOf } from "../../../../control-plane/src/snapshot/proxyless-node.js";
import { KINDS } from "../../../../proto/index.js";
import { type Doc, service } from "../mesh-documents.js";
import { envoyJson, stateOf } from "./both-planes.js";
import { assertGrpcAccepts } from "./grpc-accepts.js";

type Json = Record<string, unknown>;

const security = (mode: MtlsMode): MeshSecurity => ({ trustDomain: "weft.local", mode });

function instance(name: string, app: string, address: string, port: number, identity?: string): Doc {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "WorkloadEntry",
    metadata: { name, ...(identity === undefined ? {} : { annotations: { [IDENTITY_ANNOTATION]: identity } }) },
    spec: { address, ports: { grpc: port }, labels: { app } },
  };
}

const grpcService = (name: string) => service(name, [{ name: "grpc", port: 9090, appProtocol: "grpc" }]);

/** echo (every instance holds a certificate) and plain (one does not), each with one instance. */
function mesh(): MeshState {
  return stateOf(
    grpcService("echo"),
    grpcService("plain"),
    service("web", [{ name: "http", port: 80 }]),
    instance("echo-1", "echo", "10.0.0.1", 50051, "echo"),
    instance("plain-1", "plain", "10.0.0.2", 50051),
    instance("web-1", "web", "10.0.0.3", 8080, "web"),
  );
}

const transportSocketOf = (json: Json) => json.transport_socket as Json | undefined;

/** The cluster of `service` port 9090 for a client compiled with `mtls`, as Envoy JSON. */
function clusterOf(state: MeshState, service: string, mtls?: MeshSecurity): Json {
  const cluster = compileProxyless(state, { services: [service], mtls }).clusters.find(
    (c) => c.name === `outbound|9090||${service}`,
  );
  assert.ok(cluster !== undefined);
  return envoyJson(cluster);
}

/** The only filter chain of the server listener at `address`, as Envoy JSON. */
function serverChain(state: MeshState, mode: MtlsMode, address: string): Json {
  const listener = compileProxylessServers(state, security(mode)).listeners.find(
    (l) => l.name === `inbound|grpc-server|${address}`,
  );
  assert.ok(listener !== undefined, `a listener for ${address}`);
  const chains = envoyJson(listener).filter_chains as Json[];
  assert.equal(chains.length, 1);
  return chains[0] as Json;
}

describe("proxyless clients: clusters with mTLS", () => {
  test("a client holding the provider gets a STRICT Service's cluster with gRPC's TLS context: the `weft` instance and the Service's SPIFFE ID", () => {
    const state = mesh();
    const cluster = compileProxyless(state, { services: ["plain"], mtls: security("STRICT") }).clusters[0];
    assert.ok(cluster !== undefined);
    const socket = transportSocketOf(envoyJson(cluster));
    assert.ok(socket !== undefined);
    const context = (socket.typed_config as Json).common_tls_context as Json;
    assert.deepEqual(context, {
      tls_certificate_provider_instance: { instance_name: "weft" },
      validation_context: {
        ca_certificate_provider_instance: { instance_name: "weft" },
        match_subject_alt_names: [{ exact: "spiffe://weft.local/service/plain" }],
      },
    });
    const decoded = assertGrpcAccepts(cluster, [CERTIFICATE_PROVIDER_INSTANCE]) as { securityUpdate: Json };
    assert.equal(decoded.securityUpdate.caCertificateProviderInstance, "weft");
    assert.equal(decoded.securityUpdate.identityCertificateProviderInstance, "weft");
  });

  test("gRPC reads the Service's SPIFFE ID as the SAN it checks the server against, one matcher per identity", () => {
    const state = stateOf(
      grpcService("echo"),
      instance("echo-1", "echo", "10.0.0.1", 50051, "echo"),
      instance("echo-2", "echo", "10.0.0.4", 50051, "echo-canary"),
    );
    const cluster = compileProxyless(state, { services: ["echo"], mtls: security("STRICT") }).clusters[0];
    assert.ok(cluster !== undefined);
    const decoded = assertGrpcAccepts(cluster, [CERTIFICATE_PROVIDER_INSTANCE]) as { securityUpdate: Json };
    const matchers = decoded.securityUpdate.subjectAltNameMatchers as { exact?: string }[];
    assert.deepEqual(
      matchers.map((m) => m.exact),
      ["spiffe://weft.local/service/echo", "spiffe://weft.local/service/echo-canary"],
    );
  });

  test("gRPC NACKs that cluster when its bootstrap lacks the provider, so a client not saying it has one is sent none", () => {
    const state = mesh();
    const secure = compileProxyless(state, { services: ["echo"], mtls: security("STRICT") }).clusters[0];
    assert.ok(secure !== undefined);
    assert.throws(() => assertGrpcAccepts(secure), assert.AssertionError);
    assert.equal(transportSocketOf(clusterOf(state, "echo")), undefined, "compiled without mtls");
  });

  test("PERMISSIVE: mTLS only to a Service whose every instance holds a certificate; DISABLE: never", () => {
    const state = mesh();
    assert.ok(transportSocketOf(clusterOf(state, "echo", security("PERMISSIVE"))));
    assert.equal(transportSocketOf(clusterOf(state, "plain", security("PERMISSIVE"))), undefined);
    assert.equal(transportSocketOf(clusterOf(state, "echo", security("DISABLE"))), undefined);
  });

  test("the control plane compiles them for a node whose metadata says weft.mtls: true, and only for it", () => {
    assert.equal(proxylessMtlsOf({ weft: { mtls: true } }), true);
    for (const metadata of [undefined, {}, { weft: { mtls: "yes" } }, { weft: [true] }, { mtls: true }]) {
      assert.equal(proxylessMtlsOf(metadata), false, JSON.stringify(metadata));
    }
    const compilation = new MeshCompilation(mesh(), undefined, security("STRICT"));
    const clusterFor = (mtls: boolean) =>
      compilation.proxyless(mtls).get(KINDS.clusters.typeUrl)?.get("outbound|9090||echo")?.message as
        | { transportSocket?: unknown }
        | undefined;
    assert.ok(clusterFor(true)?.transportSocket !== undefined);
    assert.equal(clusterFor(false)?.transportSocket, undefined);
    assert.ok(compilation.proxyless(false).get(KINDS.listeners.typeUrl)?.has("inbound|grpc-server|10.0.0.1:50051"));
  });
});

describe("proxyless servers: the listeners an XdsServer asks for", () => {
  test("each instance address and port of an HTTP/2 Service port gets one, named by the documented template", () => {
    const names = compileProxylessServers(mesh(), security("STRICT")).listeners.map((l) => l.name);
    assert.deepEqual(names, ["inbound|grpc-server|10.0.0.1:50051", "inbound|grpc-server|10.0.0.2:50051"]);
    assert.equal(GRPC_SERVER_LISTENER_TEMPLATE.replace("%s", "10.0.0.1:50051"), names[0]);
    assert.equal(grpcServerListenerName({ host: "fd00::1", port: 50051 }), "inbound|grpc-server|[fd00::1]:50051");
  });

  test("it binds the instance's address, routes every call to the server (non-forwarding) and gRPC accepts it", () => {
    const state = mesh();
    for (const mode of ["STRICT", "PERMISSIVE", "DISABLE"] as const) {
      for (const listener of compileProxylessServers(state, security(mode)).listeners) {
        assertGrpcAccepts(listener, [CERTIFICATE_PROVIDER_INSTANCE]);
      }
    }
    const [listener] = compileProxylessServers(state, security("DISABLE")).listeners;
    assert.ok(listener !== undefined);
    const json = envoyJson(listener);
    assert.deepEqual(json.address, { socket_address: { address: "10.0.0.1", port_value: 50051 } });
    const chain = (json.filter_chains as Json[])[0] as Json;
    const hcm = ((chain.filters as Json[])[0] as Json).typed_config as Json;
    const hosts = (hcm.route_config as Json).virtual_hosts as Json[];
    assert.deepEqual(hosts[0]?.domains, ["*"]);
    assert.deepEqual(hosts[0]?.routes, [{ match: { prefix: "/" }, non_forwarding_action: {} }]);
  });

  test("STRICT: mTLS with a client certificate required; PERMISSIVE: mTLS where callers use it, plaintext elsewhere; DISABLE: plaintext", () => {
    const state = mesh();
    const requireOf = (chain: Json) =>
      (transportSocketOf(chain)?.typed_config as Json | undefined)?.require_client_certificate;
    assert.equal(requireOf(serverChain(state, "STRICT", "10.0.0.2:50051")), true);
    assert.equal(requireOf(serverChain(state, "PERMISSIVE", "10.0.0.1:50051")), false);
    assert.equal(transportSocketOf(serverChain(state, "PERMISSIVE", "10.0.0.2:50051")), undefined);
    assert.equal(transportSocketOf(serverChain(state, "DISABLE", "10.0.0.1:50051")), undefined);
  });

  test("an instance two Services disagree on serves mTLS, with an issue on its WorkloadEntry", () => {
    // `both` selects echo-1 (certified) and plain-1 (not): its callers use plaintext, echo's mTLS.
    const state = stateOf(
      grpcService("echo"),
      service("both", [{ name: "grpc", port: 9090, appProtocol: "grpc" }], { tier: "back" }),
      {
        ...instance("echo-1", "echo", "10.0.0.1", 50051, "echo"),
        spec: { address: "10.0.0.1", ports: { grpc: 50051 }, labels: { app: "echo", tier: "back" } },
      },
      {
        ...instance("plain-1", "plain", "10.0.0.2", 50051),
        spec: { address: "10.0.0.2", ports: { grpc: 50051 }, labels: { app: "plain", tier: "back" } },
      },
    );
    const servers = compileProxylessServers(state, security("PERMISSIVE"));
    assert.deepEqual(
      servers.issues.map((issue) => [issue.kind, issue.name, issue.path]),
      [["workloadentries", "echo-1", "spec.address"]],
    );
    assert.ok(transportSocketOf(serverChain(state, "PERMISSIVE", "10.0.0.1:50051")));
  });

  test("an instance whose address is a host name, or of Services without an HTTP/2 port, gets none", () => {
    const state = stateOf(
      grpcService("echo"),
      service("web", [{ name: "http", port: 80 }]),
      instance("echo-1", "echo", "echo.internal", 50051),
      instance("web-1", "web", "10.0.0.3", 8080),
    );
    assert.deepEqual(compileProxylessServers(state, security("STRICT")).listeners, []);
  });
});
