// Calibration for the mTLS benchmark's new-connection runs: a bare Node server answering 200 "ok"
// itself (no proxying) on a plaintext port and on a mutual-TLS port set up as the catalog proxy's
// listener is (its certificate, a client certificate required and verified against the mesh root,
// the client's URI SAN checked). The difference between its two ports is what Node's TLS costs per
// connection, the floor under the proxy's. Run as
//   node --import tsx bench/dp-mtls-bare-server.ts '{"chainFile":...,"keyFile":...,"rootFile":...,"clientId":...}'
// it prints {"plainPort":N,"tlsPort":N} once both listen, and runs until stopped.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type tls from "node:tls";

interface Options {
  readonly chainFile: string;
  readonly keyFile: string;
  readonly rootFile: string;
  readonly clientId: string;
}

const options = JSON.parse(process.argv[2] ?? "") as Options;
const answer = (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.setHeader("content-type", "text/plain");
  res.end("ok");
};
const plain = http.createServer(answer);
const secure = https.createServer(
  {
    cert: readFileSync(options.chainFile),
    key: readFileSync(options.keyFile),
    ca: readFileSync(options.rootFile),
    requestCert: true,
    rejectUnauthorized: true,
  },
  answer,
);
// As the proxy does after the handshake: the client's URI SAN must be the expected SPIFFE ID.
secure.on("secureConnection", (socket: tls.TLSSocket) => {
  const sans = (socket.getPeerCertificate().subjectaltname ?? "").split(", ");
  if (!sans.includes(`URI:${options.clientId}`)) socket.destroy();
});
const listen = (server: http.Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
const [plainPort, tlsPort] = await Promise.all([listen(plain), listen(secure)]);
process.stdout.write(`${JSON.stringify({ plainPort, tlsPort })}\n`);
process.on("SIGTERM", () => {
  plain.close();
  secure.close();
  plain.closeAllConnections();
  secure.closeAllConnections();
});
