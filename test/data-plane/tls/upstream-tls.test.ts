// A cluster with a TLS transport socket (UpstreamTlsContext), over real sockets on 127.0.0.1: the
// HTTP/1.1 pools, the HTTP/2 sessions and the TCP proxy present the workload's certificate,
// verify the server against the mesh root and its SPIFFE ID, and refuse a server that does not
// match; a rotated client certificate reaches the next connection.
import assert from "node:assert/strict";
import http2 from "node:http2";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { buildCluster, buildSecret, ConfigErrorCode } from "../../../data-plane/src/config/index.js";
import { Http2Sessions } from "../../../data-plane/src/http/h2-sessions.js";
import { createTcpHandler } from "../../../data-plane/src/tcp/index.js";
import {
  type PeerSans,
  ProxySecrets,
  sansMatch,
  TlsContexts,
  type UpstreamTlsResolver,
  upstreamTlsOptions,
} from "../../../data-plane/src/tls/index.js";
import { ClusterManager } from "../../../data-plane/src/upstream/index.js";
import { decodeJson } from "../../../proto/index.js";
import { assertRefused } from "../config/assert-refusal.js";
import { cluster, type Json } from "../config/fixtures.js";
import { inlineCertificate, makePki, type Pki, type Workload } from "./pki.js";

const UPSTREAM = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
const CATALOG = "spiffe://weft.local/service/catalog";

let mesh: Pki;
let catalog: Workload;
let web: Workload;

before(async () => {
  mesh = await makePki();
  catalog = await mesh.issue("catalog");
  web = await mesh.issue("web");
});

/** The client's SPIFFE ID as each request's server saw it. */
const seen: string[] = [];

function clientIdOf(socket: tls.TLSSocket): string {
  const san = socket.getPeerCertificate().subjectaltname ?? "";
  return san.startsWith("URI:") ? san.slice(4) : "none";
}

async function listen(server: https.Server | http2.Http2SecureServer | tls.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

const serverOptions = (): tls.TlsOptions => ({
  cert: catalog.chainPem,
  key: catalog.keyPem,
  ca: mesh.rootPem,
  requestCert: true,
  rejectUnauthorized: true,
});

function tlsCluster(name: string, port: number, sanExact: string, extra: Json = {}): Json {
  return {
    name,
    type: "STATIC",
    connect_timeout: "1s",
    load_assignment: {
      cluster_name: name,
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } }] },
      ],
    },
    transport_socket: {
      name: "envoy.transport_sockets.tls",
      typed_config: {
        "@type": UPSTREAM,
        common_tls_context: {
          tls_certificate_sds_secret_configs: [{ name: "default", sds_config: { ads: {} } }],
          combined_validation_context: {
            default_validation_context: {
              match_typed_subject_alt_names: [{ san_type: "URI", matcher: { exact: sanExact } }],
            },
            validation_context_sds_secret_config: { name: "ROOTCA", sds_config: { ads: {} } },
          },
        },
      },
    },
    ...extra,
  };
}

/**
 * tlsCluster's JSON with the server matched by `validation` (the default validation context next
 * to the ROOTCA secret) in place of the typed URI matcher.
 */
function clusterValidating(name: string, port: number, validation: Json): Json {
  const json = tlsCluster(name, port, "");
  const common = ((json.transport_socket as Json).typed_config as Json).common_tls_context as Json;
  (common.combined_validation_context as Json).default_validation_context = validation;
  return json;
}

const DEFAULT_VALIDATION =
  "transport_socket.typed_config.common_tls_context.combined_validation_context.default_validation_context";

function secrets(client: Workload): ProxySecrets {
  const made = new ProxySecrets();
  made.setLocal(
    buildSecret(
      decodeJson("envoy.extensions.transport_sockets.tls.v3.Secret", {
        name: "default",
        tls_certificate: inlineCertificate(client),
      }),
    ),
  );
  made.setLocal(
    buildSecret(
      decodeJson("envoy.extensions.transport_sockets.tls.v3.Secret", {
        name: "ROOTCA",
        validation_context: { trusted_ca: { inline_string: mesh.rootPem } },
      }),
    ),
  );
  return made;
}

function resolverFor(store: ProxySecrets): UpstreamTlsResolver {
  const contexts = new TlsContexts(store);
  store.onChange(() => contexts.secretsChanged());
  return (config) => upstreamTlsOptions(config, contexts);
}

describe("HTTP/1.1 to a TLS cluster (undici pools)", () => {
  let server: https.Server;
  let port: number;
  before(async () => {
    server = https.createServer(serverOptions(), (req, res) => {
      seen.push(clientIdOf(req.socket as tls.TLSSocket));
      res.end("ok");
    });
    port = await listen(server);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("presents the workload certificate and reaches a server with the expected SPIFFE ID", async () => {
    const store = secrets(web);
    const manager = new ClusterManager({ upstreamTls: resolverFor(store), keepAliveTimeoutMs: 50 });
    try {
      await manager.update([buildCluster(cluster(tlsCluster("catalog", port, CATALOG)))], new Map());
      const host = manager.pick("catalog");
      assert.ok(host !== undefined);
      const response = await host.pool.request({ method: "GET", path: "/" });
      assert.equal(await response.body.text(), "ok");
      assert.equal(seen.at(-1), "spiffe://weft.local/service/web");
    } finally {
      await manager.close();
    }
  });

  it("fails the connection to a server whose SPIFFE ID is not the expected one", async () => {
    const manager = new ClusterManager({ upstreamTls: resolverFor(secrets(web)) });
    try {
      await manager.update(
        [buildCluster(cluster(tlsCluster("ledger", port, "spiffe://weft.local/service/ledger")))],
        new Map(),
      );
      const host = manager.pick("ledger");
      assert.ok(host !== undefined);
      await assert.rejects(host.pool.request({ method: "GET", path: "/" }), { code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    } finally {
      await manager.close();
    }
  });

  it("checks the server against the deprecated match_subject_alt_names too: its SPIFFE ID is reached, another is refused", async () => {
    const manager = new ClusterManager({ upstreamTls: resolverFor(secrets(web)), keepAliveTimeoutMs: 50 });
    try {
      await manager.update(
        [
          buildCluster(cluster(clusterValidating("catalog", port, { match_subject_alt_names: [{ exact: CATALOG }] }))),
          buildCluster(
            cluster(
              clusterValidating("ledger", port, {
                match_subject_alt_names: [{ exact: "spiffe://weft.local/service/ledger" }],
              }),
            ),
          ),
        ],
        new Map(),
      );
      const catalogHost = manager.pick("catalog");
      assert.ok(catalogHost !== undefined);
      const response = await catalogHost.pool.request({ method: "GET", path: "/" });
      assert.equal(await response.body.text(), "ok");
      const ledgerHost = manager.pick("ledger");
      assert.ok(ledgerHost !== undefined);
      await assert.rejects(ledgerHost.pool.request({ method: "GET", path: "/" }), {
        code: "ERR_TLS_CERT_ALTNAME_INVALID",
      });
    } finally {
      await manager.close();
    }
  });

  it("fails with WEFT_PROXY_TLS_UNAVAILABLE while the secrets have not arrived", async () => {
    const manager = new ClusterManager({ upstreamTls: resolverFor(new ProxySecrets()) });
    try {
      await manager.update([buildCluster(cluster(tlsCluster("catalog", port, CATALOG)))], new Map());
      const host = manager.pick("catalog");
      assert.ok(host !== undefined);
      await assert.rejects(host.pool.request({ method: "GET", path: "/" }), { code: "WEFT_PROXY_TLS_UNAVAILABLE" });
    } finally {
      await manager.close();
    }
  });
});

describe("HTTP/2 to a TLS cluster (node:http2 sessions)", () => {
  it("opens an h2 session over TLS and a new session once the certificate rotates", async () => {
    const server = http2.createSecureServer(serverOptions(), (req, res) => {
      seen.push(clientIdOf(req.socket as unknown as tls.TLSSocket));
      res.end(String((req.socket as tls.TLSSocket).alpnProtocol));
    });
    const port = await listen(server);
    const store = secrets(web);
    const sessions = new Http2Sessions({ tls: resolverFor(store) });
    const config = buildCluster(cluster(tlsCluster("catalog", port, CATALOG))).tls;
    assert.ok(config !== undefined);
    const get = async (): Promise<{ body: string; session: http2.ClientHttp2Session }> => {
      const session = await sessions.session(`127.0.0.1:${port}`, 1000, config);
      const stream = session.request({ ":path": "/", ":scheme": "https" });
      let body = "";
      stream.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      await new Promise((resolve) => stream.on("end", resolve));
      return { body, session };
    };
    try {
      const first = await get();
      assert.equal(first.body, "h2");
      assert.equal(seen.at(-1), "spiffe://weft.local/service/web");
      assert.equal((await get()).session, first.session, "the session is shared while nothing changes");
      const rotated = await mesh.issue("web");
      store.setLocal(
        buildSecret(
          decodeJson("envoy.extensions.transport_sockets.tls.v3.Secret", {
            name: "default",
            tls_certificate: inlineCertificate(rotated),
          }),
        ),
      );
      const after = await get();
      assert.notEqual(after.session, first.session, "a rotated certificate opens a new session");
      assert.equal(
        first.session.closed || first.session.destroyed,
        false,
        "the old session is left to finish and idle out",
      );
    } finally {
      await sessions.close(100);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("TCP to a TLS cluster", () => {
  it("proxies bytes to the server over TLS with the workload certificate", async () => {
    const server = tls.createServer(serverOptions(), (socket) => {
      seen.push(clientIdOf(socket));
      socket.pipe(socket);
    });
    const port = await listen(server);
    const manager = new ClusterManager();
    const upstreamTls = resolverFor(secrets(web));
    await manager.update([buildCluster(cluster(tlsCluster("catalog", port, CATALOG)))], new Map());
    const handler = createTcpHandler({
      listener: "tcp",
      tcp: { statPrefix: "tcp", cluster: "catalog", weightedClusters: undefined, idleTimeoutMs: 0 },
      clusters: manager,
      observer: { ended: () => undefined },
      upstreamTls,
    });
    const front = net.createServer({ allowHalfOpen: true }, handler);
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
    const frontPort = (front.address() as AddressInfo).port;
    try {
      const echoed = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ host: "127.0.0.1", port: frontPort }, () => socket.write("over tls"));
        socket.once("data", (chunk: Buffer) => {
          resolve(chunk.toString());
          socket.destroy();
        });
        socket.once("error", reject);
      });
      assert.equal(echoed, "over tls");
      assert.equal(seen.at(-1), "spiffe://weft.local/service/web");
    } finally {
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await manager.close();
    }
  });
});

describe("the deprecated match_subject_alt_names", () => {
  const sans = (partial: Partial<PeerSans>): PeerSans => ({ DNS: [], URI: [], EMAIL: [], IP_ADDRESS: [], ...partial });

  function matchersOf(validation: Json) {
    const compiled = buildCluster(cluster(clusterValidating("c", 1, validation))).tls?.validation?.given;
    assert.ok(compiled !== undefined);
    return compiled.sanMatchers;
  }

  it("tries each entry against SANs of every type, as Envoy does: any SAN meeting any entry passes", () => {
    const matchers = matchersOf({ match_subject_alt_names: [{ exact: "api.example.com" }, { prefix: "10.1." }] });
    assert.equal(sansMatch(sans({ DNS: ["api.example.com"] }), matchers), true);
    assert.equal(sansMatch(sans({ URI: ["api.example.com"] }), matchers), true);
    assert.equal(sansMatch(sans({ EMAIL: ["api.example.com"] }), matchers), true);
    assert.equal(sansMatch(sans({ IP_ADDRESS: ["10.1.2.3"] }), matchers), true);
    assert.equal(sansMatch(sans({ DNS: ["web.example.com"], IP_ADDRESS: ["10.2.0.1"] }), matchers), false);
    assert.equal(sansMatch(sans({}), matchers), false, "a certificate without SANs meets none");
  });

  it("is refused next to match_typed_subject_alt_names (Envoy refuses the two together)", () => {
    assertRefused(
      () =>
        buildCluster(
          cluster(
            clusterValidating("c", 1, {
              match_typed_subject_alt_names: [{ san_type: "URI", matcher: { exact: CATALOG } }],
              match_subject_alt_names: [{ exact: CATALOG }],
            }),
          ),
        ),
      ConfigErrorCode.invalidValue,
      "c",
      `${DEFAULT_VALIDATION}.match_subject_alt_names`,
    );
  });

  it("refuses an entry without a pattern", () => {
    assertRefused(
      () => buildCluster(cluster(clusterValidating("c", 1, { match_subject_alt_names: [{ ignore_case: true }] }))),
      ConfigErrorCode.missingField,
      "c",
      `${DEFAULT_VALIDATION}.match_subject_alt_names[0]`,
    );
  });
});
