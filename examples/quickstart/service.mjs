// A stand-in service for the README's walk-through: `node service.mjs NAME PORT` answers every
// HTTP request with "hello from NAME" on 127.0.0.1:PORT. Nothing in it knows about Weft.
import http from "node:http";

const [name = "v1", port = "8081"] = process.argv.slice(2);
http
  .createServer((_request, response) => response.end(`hello from ${name}\n`))
  .listen(Number(port), "127.0.0.1", () => console.log(`${name} listening on 127.0.0.1:${port}`));
