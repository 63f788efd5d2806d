// The calibration line of the data-plane benchmark: the naive Node proxy the issue measured
// (an http server forwarding every request through an undici Pool), with nothing tuned. Run as
//   node --import tsx bench/dp-naive-proxy.ts http://127.0.0.1:BACKEND_PORT
// it listens on 127.0.0.1, a port the kernel picks, and prints {"msg":"naive proxy ready","port":N}.
import { createServer, type IncomingHttpHeaders } from "node:http";
import { Pool } from "undici";

const upstream = process.argv[2];
if (!upstream) throw new Error("usage: dp-naive-proxy.ts UPSTREAM_URL");
const pool = new Pool(upstream, { connections: 32 });

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>) {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && name !== "host" && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

const server = createServer((req, res) => {
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  pool
    .request({
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: endToEnd(req.headers),
      body: hasBody ? req : null,
    })
    .then(({ statusCode, headers, body }) => {
      res.writeHead(statusCode, endToEnd(headers));
      body.pipe(res);
    })
    .catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
});
server.keepAliveTimeout = 75_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: "naive proxy ready", port })}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void pool.close().finally(() => process.exit(0));
});
