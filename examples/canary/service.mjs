// A service version: `node service.mjs v1` answers every HTTP request with its version ("v1") on
// a free port of 127.0.0.1 and prints {"port": N}. Nothing in it knows about Weft.
import http from "node:http";

const version = process.argv[2] ?? "v1";
const server = http.createServer((_request, response) => response.end(version));
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
