// What the CA issues works for mutual TLS as Node (and so the proxy) does it: two workloads with
// leaves for `catalog` and `web` complete a handshake trusting only the bundle, each sees the
// other's SPIFFE ID, and a client whose leaf comes from another root is refused.
import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import tls from "node:tls";
import { CertificateAuthority, generateKeyAndCsr } from "../../../control-plane/src/ca/index.js";

interface Workload {
  readonly key: string;
  readonly cert: string;
}

async function workload(ca: CertificateAuthority, service: string): Promise<Workload> {
  const { keyPem, csrPem } = await generateKeyAndCsr({ commonName: service });
  return { key: keyPem, cert: (await ca.sign({ csrPem, service, ttlMs: 60_000 })).chainPem };
}

/** The URI SAN of a peer certificate, as a sidecar will read the peer's identity. */
function peerIdentity(socket: tls.TLSSocket): string | undefined {
  return socket.getPeerCertificate().subjectaltname?.replace(/^URI:/, "");
}

/**
 * Outbound check as a sidecar will make it: the server's SPIFFE ID must be the destination's
 * (the certificate carries no DNS name or IP, so Node's host name check does not apply).
 */
function expectServer(spiffeId: string) {
  return (_host: string, cert: tls.PeerCertificate): Error | undefined =>
    cert.subjectaltname === `URI:${spiffeId}` ? undefined : new Error(`server is ${cert.subjectaltname}`);
}

describe("mutual TLS with workload certificates", () => {
  let ca: CertificateAuthority;
  let server: tls.Server;
  let port: number;
  const seenClients: (string | undefined)[] = [];

  before(async () => {
    ca = await CertificateAuthority.generate({ trustDomain: "weft.local" });
    const catalog = await workload(ca, "catalog");
    server = tls.createServer({
      ...catalog,
      ca: ca.trustBundlePem(),
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.3",
    });
    server.on("secureConnection", (socket) => {
      seenClients.push(peerIdentity(socket));
      socket.end("hello from catalog");
    });
    // A refused handshake is reported here; the refusal test waits for it.
    server.on("tlsClientError", () => {});
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });

  /** A client presenting `client`'s certificate, trusting the bundle, expecting `serverId`. */
  const connectAs = (client: Workload, serverId: string): tls.TLSSocket =>
    tls.connect({
      host: "127.0.0.1",
      port,
      ...client,
      ca: ca.trustBundlePem(),
      checkServerIdentity: expectServer(serverId),
    });

  after(async () => {
    server.close();
    await once(server, "close");
  });

  test("a web client and a catalog server trusting the bundle authenticate each other", async () => {
    const web = await workload(ca, "web");
    const socket = connectAs(web, "spiffe://weft.local/service/catalog");
    await once(socket, "secureConnect");
    assert.equal(socket.authorized, true);
    assert.equal(peerIdentity(socket), "spiffe://weft.local/service/catalog");
    socket.setEncoding("utf8");
    let body = "";
    for await (const chunk of socket) body += chunk;
    assert.equal(body, "hello from catalog");
    assert.ok(seenClients.includes("spiffe://weft.local/service/web"), JSON.stringify(seenClients));
  });

  test("a client whose certificate comes from another root is refused by the server", async () => {
    const otherCa = await CertificateAuthority.generate({ trustDomain: "weft.local" });
    const impostor = await workload(otherCa, "web");
    const before = seenClients.length;
    const refused = once(server, "tlsClientError");
    const socket = connectAs(impostor, "spiffe://weft.local/service/catalog");
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
    socket.on("error", () => {});
    const closed = once(socket, "close");
    // TLS 1.3 finishes the client's side before the server has checked the client's
    // certificate; the server then refuses it and ends the connection. Depending on the
    // OpenSSL build the client sees an alert (an error) or a plain end, so the test reads the
    // server's refusal and that no byte of the server's answer reached the client.
    const [refusal] = (await refused) as [NodeJS.ErrnoException];
    assert.ok(refusal instanceof Error);
    await closed;
    assert.equal(received, "");
    assert.equal(seenClients.length, before, "the server accepted no connection from it");
    socket.destroy();
  });

  test("a client refuses a server whose SPIFFE ID is not the destination's", async () => {
    const web = await workload(ca, "web");
    const socket = connectAs(web, "spiffe://weft.local/service/payments");
    const [error] = (await once(socket, "error")) as [Error];
    assert.match(error.message, /server is URI:spiffe:\/\/weft\.local\/service\/catalog/);
    socket.destroy();
  });
});
