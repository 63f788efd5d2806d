// The shop's apps, each a plain Node server on 127.0.0.1 (on $PORT, else a free port) that prints
// {"port": N} once listening. Nothing in them knows about Weft beyond one address: the outbound listener of
// their own sidecar, where they reach other services by name.
//
//   node app.mjs catalog VERSION INSTANCE   HTTP: GET /items answers {"service","version","instance","items"}
//   node app.mjs pricing INSTANCE           gRPC: weft.shop.Pricing/Quote
//   node app.mjs web OUTBOUND               HTTP: GET /shop calls http://catalog/items and pricing's Quote
//                                           through OUTBOUND (HOST:PORT) and answers what they said
//
// SIGTERM closes the server once its requests are answered, then exits 0.
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";

const [role, ...args] = process.argv.slice(2);
const LISTEN_PORT = Number(process.env.PORT ?? 0);
const protoPath = join(dirname(fileURLToPath(import.meta.url)), "pricing.proto");
const { Pricing } = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath)).weft.shop;

function ready(port) {
  console.log(JSON.stringify({ port }));
}

function serveHttp(handler) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 2_000;
  server.listen(LISTEN_PORT, "127.0.0.1", () => ready(server.address().port));
  process.on("SIGTERM", () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}

function json(response, status, body) {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

if (role === "catalog") {
  const [version = "v1", instance = "catalog"] = args;
  serveHttp((request, response) => {
    if (request.url !== "/items") return json(response, 404, { error: `no ${request.url} here` });
    json(response, 200, { service: "catalog", version, instance, items: ["teapot", "kettle"] });
  });
} else if (role === "pricing") {
  const [instance = "pricing"] = args;
  const server = new grpc.Server();
  server.addService(Pricing.service, {
    Quote(call, callback) {
      callback(null, { item: call.request.item, cents: 100 * call.request.item.length, instance });
    },
  });
  server.bindAsync(`127.0.0.1:${LISTEN_PORT}`, grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    ready(port);
  });
  process.on("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
} else if (role === "web") {
  const [outbound] = args;
  const [outboundHost, outboundPort] = outbound.split(":");
  // gRPC through the sidecar: the channel connects to the outbound listener and names the
  // service in :authority, which is what the outbound listener routes by.
  const pricing = new Pricing(outbound, grpc.credentials.createInsecure(), { "grpc.default_authority": "pricing" });
  const agent = new http.Agent({ keepAlive: true });
  const catalogItems = () =>
    new Promise((resolve, reject) => {
      const request = http.get(
        { host: outboundHost, port: Number(outboundPort), path: "/items", headers: { host: "catalog" }, agent },
        (response) => {
          let body = "";
          response.setEncoding("utf8").on("data", (chunk) => {
            body += chunk;
          });
          response.on("end", () =>
            response.statusCode === 200
              ? resolve(JSON.parse(body))
              : reject(new Error(`catalog: ${response.statusCode} ${body}`)),
          );
        },
      );
      request.on("error", reject);
    });
  const quote = (item) =>
    new Promise((resolve, reject) =>
      pricing.Quote({ item }, { deadline: Date.now() + 5_000 }, (error, reply) =>
        error ? reject(error) : resolve(reply),
      ),
    );
  serveHttp(async (request, response) => {
    if (request.url !== "/shop") return json(response, 404, { error: `no ${request.url} here` });
    try {
      const catalog = await catalogItems();
      const price = await quote(catalog.items[0]);
      json(response, 200, {
        catalog: catalog.version,
        instance: catalog.instance,
        item: price.item,
        cents: price.cents,
      });
    } catch (error) {
      json(response, 502, { error: String(error.message ?? error) });
    }
  });
} else {
  console.error(`usage: node app.mjs catalog VERSION INSTANCE | pricing INSTANCE | web OUTBOUND (got ${role})`);
  process.exit(2);
}
