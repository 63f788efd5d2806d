// A backend that misbehaves on command: `node backend.mjs NAME` answers every HTTP request with its
// NAME on a free port of 127.0.0.1 and prints {"port": N}. A request with `?ms=N` is answered N ms
// late. Nothing in it knows about Weft.
//
// Told how to behave with GET requests straight to it (not through the proxy); each answers
// {"served": N, "failed": N}, the requests it has answered since the last command and how many of
// those were 503s:
//   /_control/flaky?percent=P   answer a random P% of requests with 503
//   /_control/fail              answer every request with 503
//   /_control/ok                answer every request normally
//   /_control/stats             change nothing
import http from "node:http";

const name = process.argv[2] ?? "backend";
let failPercent = 0;
let served = 0;
let failed = 0;

function control(url, response) {
  if (url.pathname === "/_control/flaky") failPercent = Number(url.searchParams.get("percent") ?? 30);
  else if (url.pathname === "/_control/fail") failPercent = 100;
  else if (url.pathname === "/_control/ok") failPercent = 0;
  response.setHeader("content-type", "application/json");
  response.end(JSON.stringify({ served, failed }));
  if (url.pathname !== "/_control/stats") [served, failed] = [0, 0];
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://backend");
  if (url.pathname.startsWith("/_control/")) return control(url, response);
  request.resume();
  const answer = () => {
    served++;
    if (Math.random() * 100 < failPercent) {
      failed++;
      response.statusCode = 503;
      response.end(`${name} failing`);
    } else {
      response.end(name);
    }
  };
  const ms = Number(url.searchParams.get("ms") ?? 0);
  if (ms > 0) setTimeout(answer, ms);
  else answer();
});
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
