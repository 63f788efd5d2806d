// A listener with a TLS transport socket (DownstreamTlsContext), over real sockets on 127.0.0.1:
// what it accepts and refuses (plaintext, another root, expired, no certificate, a SAN that does
// not match by the typed or the deprecated untyped matchers), PERMISSIVE (TLS and plaintext on
// one port), the peer identity handed to the handler, HTTP/1.1 and HTTP/2 over TLS, and a
// certificate rotated through a secret reaching new connections while an open one runs on.
import assert from "node:assert/strict";
import http2 from "node:http2";
import https from "node:https";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { buildListener, buildSecret, type RuntimeDownstreamTransport } from "../../../data-plane/src/config/index.js";
import { ListenerManager, type ListenerSpec } from "../../../data-plane/src/listeners/index.js";
import {
  type DownstreamRefusal,
  downstreamTransport,
  ProxySecrets,
  peerOf,
  TlsContexts,
} from "../../../data-plane/src/tls/index.js";
import { decodeJson } from "../../../proto/index.js";
import { type Json, listener } from "../config/fixtures.js";
import { inlineCertificate, makePki, type Pki, type Workload } from "./pki.js";

const DOWNSTREAM = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const TCP = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

let mesh: Pki;
let other: Pki;
let catalog: Workload;
let web: Workload;
let intruder: Workload;
let stranger: Workload;
let expired: Workload;

before(async () => {
  mesh = await makePki();
  other = await makePki();
  catalog = await mesh.issue("catalog");
  web = await mesh.issue("web");
  intruder = await mesh.issue("intruder");
  stranger = await other.issue("web");
  expired = await mesh.issue("web", { now: Date.now() - 3 * 3600_000, ttlMs: 3600_000 });
});

/** A TCP listener's JSON with `chains` (each given the TCP proxy filter). */
function tcpListenerJson(chains: Json[]): Json {
  const filters = [
    { name: "envoy.filters.network.tcp_proxy", typed_config: { "@type": TCP, stat_prefix: "in", cluster: "c" } },
  ];
  return {
    name: "inbound",
    address: { socket_address: { address: "127.0.0.1", port_value: 1 } },
    filter_chains: chains.map((chain) => ({ filters, ...chain })),
  };
}

function tlsSocket(context: Json): Json {
  return { name: "envoy.transport_sockets.tls", typed_config: { "@type": DOWNSTREAM, ...context } };
}

function strictContext(extraValidation: Json = {}): Json {
  return {
    require_client_certificate: true,
    common_tls_context: {
      tls_certificates: [inlineCertificate(catalog)],
      validation_context: { trusted_ca: { inline_string: mesh.rootPem }, ...extraValidation },
    },
  };
}

function transportOf(json: Json): RuntimeDownstreamTransport {
  const built = buildListener(listener(json));
  assert.ok(built.transport !== undefined, "the listener has TLS");
  return built.transport;
}

interface Served {
  readonly port: number;
  readonly refusals: DownstreamRefusal[];
  /** The SPIFFE IDs of the peers of the connections served, in order ("" for none). */
  readonly peers: string[];
  readonly secrets: ProxySecrets;
  close(): Promise<void>;
}

/** Serves `transport` on a TCP listener whose handler echoes and records the peer. */
async function serve(transport: RuntimeDownstreamTransport, secrets = new ProxySecrets()): Promise<Served> {
  const contexts = new TlsContexts(secrets);
  secrets.onChange(() => contexts.secretsChanged());
  const refusals: DownstreamRefusal[] = [];
  const peers: string[] = [];
  const manager = new ListenerManager();
  const spec: ListenerSpec = {
    kind: "tcp",
    host: "127.0.0.1",
    port: 0,
    drainTimeoutMs: 100,
    onConnection: (socket) => {
      peers.push(peerOf(socket)?.sans.URI[0] ?? "");
      socket.pipe(socket);
    },
    transport: downstreamTransport(transport.tls, contexts, {
      plaintext: transport.plaintext,
      refused: (reason) => refusals.push(reason),
    }),
  };
  const result = await manager.apply(new Map([["inbound", spec]]));
  assert.equal(result.failed.size, 0);
  return {
    port: manager.address("inbound")?.port ?? 0,
    refusals,
    peers,
    secrets,
    close: () => manager.close(),
  };
}

/** Connects with TLS presenting `client` (or nothing), sends "ping", and resolves with what came back or the error. */
function tlsEcho(
  port: number,
  client: Workload | undefined,
  roots = mesh.rootPem,
): Promise<{ echoed?: string; error?: string; serverSerial?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      ca: roots,
      // The server is named by its SPIFFE ID, not the address: the host name check is skipped here.
      checkServerIdentity: () => undefined,
      ...(client === undefined ? {} : { cert: client.chainPem, key: client.keyPem }),
    });
    let data = "";
    let serverSerial: string | undefined;
    socket.once("secureConnect", () => {
      serverSerial = socket.getPeerCertificate().serialNumber?.toLowerCase();
      socket.write("ping");
    });
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString();
      if (data === "ping") {
        socket.end();
        resolve({ echoed: data, ...(serverSerial === undefined ? {} : { serverSerial }) });
      }
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    socket.once("close", () => resolve(data === "" ? { error: "closed" } : { echoed: data }));
  });
}

function plainEcho(port: number): Promise<{ echoed?: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => socket.write("ping"));
    let data = "";
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString();
      if (data === "ping") {
        socket.end();
        resolve({ echoed: data });
      }
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    socket.once("close", () => resolve(data === "" ? { error: "closed" } : { echoed: data }));
  });
}

describe("a listener with require_client_certificate (STRICT)", () => {
  let served: Served;
  before(async () => {
    served = await serve(transportOf(tcpListenerJson([{ transport_socket: tlsSocket(strictContext()) }])));
  });
  after(() => served.close());

  it("serves a client whose certificate chains to the mesh root, and hands its SPIFFE ID to the handler", async () => {
    const result = await tlsEcho(served.port, web);
    assert.equal(result.echoed, "ping");
    assert.equal(result.serverSerial, catalog.serialNumber.toLowerCase());
    assert.equal(served.peers.at(-1), "spiffe://weft.local/service/web");
  });

  it("refuses a plaintext client", async () => {
    const before = served.refusals.length;
    assert.equal((await plainEcho(served.port)).echoed, undefined);
    assert.deepEqual(served.refusals.slice(before), ["plaintext"]);
  });

  it("refuses a client without a certificate, one from another root, and an expired one", async () => {
    for (const client of [undefined, stranger, expired]) {
      const before = served.refusals.length;
      const peersBefore = served.peers.length;
      const result = await tlsEcho(served.port, client);
      assert.equal(result.echoed, undefined, `${client?.spiffeId ?? "no certificate"} is refused`);
      assert.deepEqual(served.refusals.slice(before), ["handshake"]);
      assert.equal(served.peers.length, peersBefore, "the handler never sees it");
    }
  });
});

describe("a listener matching the client's SAN", () => {
  let served: Served;
  before(async () => {
    const context = strictContext({
      match_typed_subject_alt_names: [{ san_type: "URI", matcher: { exact: "spiffe://weft.local/service/web" } }],
    });
    served = await serve(transportOf(tcpListenerJson([{ transport_socket: tlsSocket(context) }])));
  });
  after(() => served.close());

  it("serves the SPIFFE ID it names and refuses another of the same root (verify_san)", async () => {
    assert.equal((await tlsEcho(served.port, web)).echoed, "ping");
    const before = served.refusals.length;
    assert.equal((await tlsEcho(served.port, intruder)).echoed, undefined);
    assert.deepEqual(served.refusals.slice(before), ["verify_san"]);
  });
});

describe("a listener matching the client's SAN by the deprecated match_subject_alt_names", () => {
  let served: Served;
  before(async () => {
    const context = strictContext({ match_subject_alt_names: [{ exact: "spiffe://weft.local/service/web" }] });
    served = await serve(transportOf(tcpListenerJson([{ transport_socket: tlsSocket(context) }])));
  });
  after(() => served.close());

  it("enforces it like the typed list: the SPIFFE ID it names is served, another of the same root refused (verify_san)", async () => {
    assert.equal((await tlsEcho(served.port, web)).echoed, "ping");
    const before = served.refusals.length;
    assert.equal((await tlsEcho(served.port, intruder)).echoed, undefined);
    assert.deepEqual(served.refusals.slice(before), ["verify_san"]);
  });
});

describe("a listener with a TLS chain and a plaintext chain (PERMISSIVE)", () => {
  let served: Served;
  before(async () => {
    const chains = [
      { filter_chain_match: { transport_protocol: "tls" }, transport_socket: tlsSocket(strictContext()) },
      { filter_chain_match: { transport_protocol: "raw_buffer" } },
    ];
    served = await serve(
      transportOf({ ...tcpListenerJson(chains), listener_filters: [{ name: "envoy.filters.listener.tls_inspector" }] }),
    );
  });
  after(() => served.close());

  it("serves mTLS clients with their identity and plaintext clients without one", async () => {
    assert.equal((await tlsEcho(served.port, web)).echoed, "ping");
    assert.equal(served.peers.at(-1), "spiffe://weft.local/service/web");
    assert.equal((await plainEcho(served.port)).echoed, "ping");
    assert.equal(served.peers.at(-1), "");
  });

  it("still refuses a TLS client whose certificate does not verify", async () => {
    assert.equal((await tlsEcho(served.port, stranger)).echoed, undefined);
  });
});

describe("a listener whose certificate is an SDS secret", () => {
  const sdsContext = {
    require_client_certificate: true,
    common_tls_context: {
      tls_certificate_sds_secret_configs: [{ name: "default", sds_config: { ads: {} } }],
      validation_context_sds_secret_config: { name: "ROOTCA", sds_config: { ads: {} } },
    },
  };

  function secretOf(json: Json) {
    return buildSecret(decodeJson("envoy.extensions.transport_sockets.tls.v3.Secret", json));
  }

  it("refuses connections until the secrets arrive (no_context), then serves", async () => {
    const served = await serve(transportOf(tcpListenerJson([{ transport_socket: tlsSocket(sdsContext) }])));
    try {
      assert.equal((await tlsEcho(served.port, web)).echoed, undefined);
      assert.deepEqual(served.refusals, ["no_context"]);
      served.secrets.setLocal(secretOf({ name: "default", tls_certificate: inlineCertificate(catalog) }));
      served.secrets.setLocal(
        secretOf({ name: "ROOTCA", validation_context: { trusted_ca: { inline_string: mesh.rootPem } } }),
      );
      assert.equal((await tlsEcho(served.port, web)).echoed, "ping");
    } finally {
      await served.close();
    }
  });

  it("presents a rotated certificate to new connections while an open one runs on", async () => {
    const served = await serve(transportOf(tcpListenerJson([{ transport_socket: tlsSocket(sdsContext) }])));
    try {
      served.secrets.setLocal(secretOf({ name: "default", tls_certificate: inlineCertificate(catalog) }));
      served.secrets.setLocal(
        secretOf({ name: "ROOTCA", validation_context: { trusted_ca: { inline_string: mesh.rootPem } } }),
      );
      const open = tls.connect({
        host: "127.0.0.1",
        port: served.port,
        ca: mesh.rootPem,
        checkServerIdentity: () => undefined,
        cert: web.chainPem,
        key: web.keyPem,
      });
      await new Promise<void>((resolve, reject) => {
        open.once("secureConnect", () => resolve());
        open.once("error", reject);
      });
      const rotated = await mesh.issue("catalog");
      served.secrets.setLocal(secretOf({ name: "default", tls_certificate: inlineCertificate(rotated) }));
      const fresh = await tlsEcho(served.port, web);
      assert.equal(fresh.serverSerial, rotated.serialNumber.toLowerCase(), "a new connection gets the new certificate");
      const echoed = await new Promise<string>((resolve) => {
        open.once("data", (chunk: Buffer) => resolve(chunk.toString()));
        open.write("still here");
      });
      assert.equal(echoed, "still here", "the connection opened before the rotation still works");
      open.destroy();
    } finally {
      await served.close();
    }
  });
});

describe("HTTP over a TLS listener", () => {
  it("serves HTTP/1.1 and HTTP/2 (by ALPN), and each request sees the client's SPIFFE ID", async () => {
    const contexts = new TlsContexts(new ProxySecrets());
    const transport = transportOf(tcpListenerJson([{ transport_socket: tlsSocket(strictContext()) }]));
    const manager = new ListenerManager();
    await manager.apply(
      new Map([
        [
          "https",
          {
            kind: "http",
            host: "127.0.0.1",
            port: 0,
            drainTimeoutMs: 100,
            handler: (req, res) => {
              res.end(`${req.httpVersion} ${peerOf(req.socket)?.sans.URI[0] ?? "none"}`);
            },
            transport: downstreamTransport(transport.tls, contexts, { plaintext: false }),
          },
        ],
      ]),
    );
    const port = manager.address("https")?.port ?? 0;
    try {
      const h1 = await new Promise<string>((resolve, reject) => {
        https
          .get(
            {
              host: "127.0.0.1",
              port,
              ca: mesh.rootPem,
              cert: web.chainPem,
              key: web.keyPem,
              checkServerIdentity: () => undefined,
              agent: false,
            },
            (res) => {
              let body = "";
              res.on("data", (chunk: Buffer) => {
                body += chunk.toString();
              });
              res.on("end", () => resolve(body));
            },
          )
          .on("error", reject);
      });
      assert.equal(h1, "1.1 spiffe://weft.local/service/web");
      const session = http2.connect(`https://127.0.0.1:${port}`, {
        ca: mesh.rootPem,
        cert: web.chainPem,
        key: web.keyPem,
        checkServerIdentity: () => undefined,
      });
      const h2 = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":path": "/" });
        let body = "";
        stream.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        stream.on("end", () => resolve(body));
        stream.on("error", reject);
      });
      session.close();
      assert.equal(h2, "2.0 spiffe://weft.local/service/web");
    } finally {
      await manager.close();
    }
  });
});
