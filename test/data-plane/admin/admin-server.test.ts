import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { test } from "node:test";
import pino from "pino";
import {
  AdminError,
  AdminErrorCode,
  type AdminSource,
  type RunningAdmin,
  startAdmin,
} from "../../../data-plane/src/admin/index.js";
import type { ClusterView } from "../../../data-plane/src/upstream/index.js";

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

function request(
  admin: RunningAdmin,
  path: string,
  options: { method?: string; agent?: http.Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: admin.address.host,
        port: admin.address.port,
        path,
        method: options.method ?? "GET",
        agent: options.agent ?? false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function errorCode(reply: Reply): unknown {
  return (JSON.parse(reply.body) as { error?: { code?: unknown } }).error?.code;
}

const CLUSTERS: ClusterView[] = [
  {
    name: "shop",
    warming: false,
    endpoints: [
      { address: "10.0.0.1:8080", priority: 0, weight: 3, health: "HEALTHY", activeRequests: 2 },
      { address: "10.0.0.2:8080", priority: 1, weight: 1, health: "UNHEALTHY", activeRequests: 0 },
    ],
  },
  { name: "payments", warming: true, endpoints: [] },
];

/** A source the test steers, and a logger whose lines it can read. */
function fixture() {
  const state = { ready: false, waitingFor: ["listeners", "routes: r1"], broken: false };
  const source: AdminSource = {
    readiness: () => {
      if (state.broken) throw new Error("runtime is gone");
      return { ready: state.ready, waitingFor: state.ready ? [] : state.waitingFor };
    },
    configDump: () => ({ listeners: { versionInfo: "7", resources: [{ name: "ingress" }] } }),
    clusters: () => CLUSTERS,
  };
  const logged: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const metrics = {
    contentType: "text/plain; version=0.0.4; charset=utf-8",
    metrics: async () => "# HELP weft_proxy_up test\n# TYPE weft_proxy_up gauge\nweft_proxy_up 1\n",
  };
  return { state, source, logged, logger, metrics };
}

async function started(f: ReturnType<typeof fixture>): Promise<RunningAdmin> {
  return startAdmin({ host: "127.0.0.1", port: 0, source: f.source, metrics: f.metrics, logger: f.logger });
}

test("/ready answers 503 with what the proxy waits for, then 200 once it is ready", async () => {
  const f = fixture();
  const admin = await started(f);
  try {
    const before = await request(admin, "/ready");
    assert.equal(before.status, 503);
    assert.match(before.headers["content-type"] ?? "", /^application\/json/);
    assert.deepEqual(JSON.parse(before.body), { ready: false, waitingFor: ["listeners", "routes: r1"] });

    f.state.ready = true;
    const after = await request(admin, "/ready");
    assert.equal(after.status, 200);
    assert.match(after.headers["content-type"] ?? "", /^text\/plain/);
    assert.equal(after.body, "ready\n");
  } finally {
    await admin.close();
  }
});

test("/config_dump is the source's dump as indented JSON", async () => {
  const f = fixture();
  const admin = await started(f);
  try {
    const reply = await request(admin, "/config_dump");
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), f.source.configDump());
    assert.match(reply.body, /^\{\n {2}"listeners": \{\n {4}"versionInfo": "7"/);
    assert.equal(reply.headers["cache-control"], "no-store");
  } finally {
    await admin.close();
  }
});

test("/clusters lists clusters and endpoints as JSON, or as Envoy-style lines with ?format=text", async () => {
  const f = fixture();
  const admin = await started(f);
  try {
    const json = await request(admin, "/clusters");
    assert.equal(json.status, 200);
    assert.deepEqual(JSON.parse(json.body), { clusters: CLUSTERS });

    const text = await request(admin, "/clusters?format=text");
    assert.equal(text.status, 200);
    assert.match(text.headers["content-type"] ?? "", /^text\/plain/);
    assert.deepEqual(text.body.trimEnd().split("\n"), [
      "shop::warming::false",
      "shop::10.0.0.1:8080::health_flags::healthy",
      "shop::10.0.0.1:8080::weight::3",
      "shop::10.0.0.1:8080::priority::0",
      "shop::10.0.0.1:8080::rq_active::2",
      "shop::10.0.0.2:8080::health_flags::/failed_eds_health",
      "shop::10.0.0.2:8080::weight::1",
      "shop::10.0.0.2:8080::priority::1",
      "shop::10.0.0.2:8080::rq_active::0",
      "payments::warming::true",
    ]);

    const unknown = await request(admin, "/clusters?format=yaml");
    assert.equal(unknown.status, 400);
    assert.equal(errorCode(unknown), AdminErrorCode.badRequest);
  } finally {
    await admin.close();
  }
});

test("/stats/prometheus serves the metrics with their content type", async () => {
  const f = fixture();
  const admin = await started(f);
  try {
    const reply = await request(admin, "/stats/prometheus");
    assert.equal(reply.status, 200);
    assert.equal(reply.headers["content-type"], f.metrics.contentType);
    assert.equal(reply.body, await f.metrics.metrics());
  } finally {
    await admin.close();
  }
});

test("/ lists the endpoints", async () => {
  const f = fixture();
  const admin = await started(f);
  try {
    const reply = await request(admin, "/");
    assert.equal(reply.status, 200);
    const { endpoints } = JSON.parse(reply.body) as { endpoints: Record<string, string> };
    assert.deepEqual(Object.keys(endpoints).sort(), ["/clusters", "/config_dump", "/ready", "/stats/prometheus"]);
  } finally {
    await admin.close();
  }
});

test("an unknown path is 404 with WEFT_ADMIN_NOT_FOUND", async () => {
  const f = fixture();
  const admin = await started(f);
  try {
    const reply = await request(admin, "/quitquitquit");
    assert.equal(reply.status, 404);
    assert.equal(errorCode(reply), "WEFT_ADMIN_NOT_FOUND");
    assert.equal(errorCode(reply), AdminErrorCode.notFound);
  } finally {
    await admin.close();
  }
});

test("a method other than GET or HEAD is 405 with Allow", async () => {
  const f = fixture();
  const admin = await started(f);
  try {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const reply = await request(admin, "/ready", { method });
      assert.equal(reply.status, 405, method);
      assert.equal(reply.headers.allow, "GET, HEAD");
      assert.equal(errorCode(reply), AdminErrorCode.methodNotAllowed);
    }
  } finally {
    await admin.close();
  }
});

test("HEAD answers with GET's status and headers and no body", async () => {
  const f = fixture();
  f.state.ready = true;
  const admin = await started(f);
  try {
    const get = await request(admin, "/config_dump");
    const head = await request(admin, "/config_dump", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal(head.headers["content-type"], get.headers["content-type"]);
    assert.equal(head.headers["content-length"], String(Buffer.byteLength(get.body)));
    assert.equal((await request(admin, "/ready", { method: "HEAD" })).status, 200);
  } finally {
    await admin.close();
  }
});

test("a source that throws is a 500 with WEFT_ADMIN_INTERNAL, and the error is logged", async () => {
  const f = fixture();
  f.state.broken = true;
  const admin = await started(f);
  try {
    const reply = await request(admin, "/ready");
    assert.equal(reply.status, 500);
    assert.equal(errorCode(reply), AdminErrorCode.internal);
    assert.doesNotMatch(reply.body, /runtime is gone/);
    const line = f.logged.find((entry) => entry.level === 50);
    assert.equal(line?.component, "admin");
    assert.equal(line?.path, "/ready");
    assert.equal((line?.err as { message?: string } | undefined)?.message, "runtime is gone");
    // The server keeps serving.
    assert.equal((await request(admin, "/config_dump")).status, 200);
  } finally {
    await admin.close();
  }
});

test("a port already taken fails with WEFT_PROXY_ADMIN_BIND", async () => {
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = squatter.address() as net.AddressInfo;
    const f = fixture();
    await assert.rejects(
      startAdmin({ host: "127.0.0.1", port, source: f.source, metrics: f.metrics, logger: f.logger }),
      (error: unknown) =>
        error instanceof AdminError &&
        error.code === AdminErrorCode.bind &&
        (error.cause as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE",
    );
  } finally {
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
  }
});

test("close ends an open keep-alive connection and resolves", async () => {
  const f = fixture();
  const admin = await started(f);
  const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
  try {
    const reply = await request(admin, "/ready", { agent });
    assert.equal(reply.headers.connection, "keep-alive");
    const sockets = Object.values(agent.freeSockets).flat();
    assert.equal(sockets.length, 1);
    const socket = sockets[0];
    assert.ok(socket !== undefined);
    // The agent unrefs idle sockets; held, this one keeps the test alive until the server ends it.
    socket.ref();
    const socketClosed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    await admin.close();
    await socketClosed;
    await admin.close(); // idempotent
  } finally {
    agent.destroy();
  }
});

test("close ends a connection in the middle of sending a request", async () => {
  const f = fixture();
  const admin = await started(f);
  const socket = net.connect(admin.address.port, admin.address.host);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const socketClosed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => undefined);
  // A first, whole request answered shows the server has taken the connection; then half of a second.
  const answered = new Promise<void>((resolve) => socket.once("data", () => resolve()));
  socket.write("GET /ready HTTP/1.1\r\nHost: admin\r\n\r\n");
  await answered;
  socket.write("GET /ready HTTP/1.1\r\nHost: admin\r\n");
  await admin.close();
  await socketClosed;
});
