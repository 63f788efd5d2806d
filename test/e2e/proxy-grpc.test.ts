// gRPC through `weft proxy`: unary and streaming calls in both directions over HTTP/2, statuses
// and trailing metadata intact, grpc-timeout honoured. Real processes on 127.0.0.1.
import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, describe, test } from "node:test";
import {
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientWritableStream,
  credentials,
  status as GrpcStatus,
  loadPackageDefinition,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { Api, edsCluster, endpoints, httpListener, routes } from "./mesh.js";
import {
  type BackendProcess,
  type ControlPlane,
  ECHO_PROTO,
  eventually,
  freePort,
  type ProxyProcess,
  startBackend,
  startControlPlane,
  startGrpcBackend,
  startProxy,
} from "./processes.js";

interface EchoMessage {
  text: string;
  server: string;
}

type Callback = (error: ServiceError | null, reply?: EchoMessage) => void;

interface EchoClient {
  Unary(request: Partial<EchoMessage>, metadata: Metadata, options: { deadline?: number }, cb: Callback): unknown;
  ServerStream(request: Partial<EchoMessage>): ClientReadableStream<EchoMessage>;
  ClientStream(cb: Callback): ClientWritableStream<Partial<EchoMessage>>;
  Bidi(): ClientDuplexStream<Partial<EchoMessage>, EchoMessage>;
  close(): void;
}

const { Echo } = (
  loadPackageDefinition(loadSync(ECHO_PROTO)) as unknown as {
    weft: { test: { Echo: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => EchoClient } };
  }
).weft.test;

function unary(
  client: EchoClient,
  text: string,
  deadlineMs?: number,
): Promise<{ reply?: EchoMessage; error?: ServiceError }> {
  return new Promise((resolve) => {
    const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
    client.Unary({ text }, new Metadata(), options, (error, reply) =>
      resolve(error ? { error } : reply === undefined ? {} : { reply }),
    );
  });
}

function collect(stream: ClientReadableStream<EchoMessage>): Promise<EchoMessage[]> {
  return new Promise((resolve, reject) => {
    const out: EchoMessage[] = [];
    stream.on("data", (m: EchoMessage) => out.push(m));
    stream.on("end", () => resolve(out));
    stream.on("error", reject);
  });
}

describe("gRPC through weft proxy", () => {
  let cp: ControlPlane;
  let proxy: ProxyProcess;
  let g1: BackendProcess;
  let g2: BackendProcess;
  let slow: BackendProcess;
  let port: number;
  let client: EchoClient;
  let api: Api;

  before(async () => {
    [cp, g1, g2, slow, port] = await Promise.all([
      startControlPlane(),
      startGrpcBackend("g1"),
      startGrpcBackend("g2"),
      startBackend("slow", "h2c"),
      freePort(),
    ]);
    api = new Api(`http://${cp.api}`);
    await api.apply([
      { kind: "clusters", resource: edsCluster("echo", true) },
      { kind: "endpoints", resource: endpoints("echo", [g1.port]) },
      { kind: "routes", resource: routes("grpc", { echo: 1 }) },
      { kind: "listeners", resource: httpListener("grpc", port, "grpc") },
    ]);
    proxy = await startProxy("grpc-1", [cp.xds]);
    client = new Echo(`127.0.0.1:${port}`, credentials.createInsecure());
    // A failed call is thrown, so a time-out names the last gRPC error the client saw.
    await eventually("a unary call to pass", async () => {
      const { reply, error } = await unary(client, "hi");
      if (error !== undefined) throw error;
      return reply ? true : undefined;
    });
  });
  after(async () => {
    client?.close();
    await Promise.all([proxy?.stop(), cp?.stop(), g1?.stop(), g2?.stop(), slow?.stop()]);
  });

  test("a unary call passes through with its reply", async () => {
    const { reply } = await unary(client, "hello");
    assert.deepEqual(reply, { text: "hello", server: "g1" });
  });

  test("a non-OK status and its trailing metadata reach the client unchanged", async () => {
    const { error } = await unary(client, "fail");
    assert.equal(error?.code, GrpcStatus.NOT_FOUND);
    assert.deepEqual(error?.metadata.get("x-why"), ["asked"]);
  });

  test("server streaming delivers every message and the end", async () => {
    const messages = await collect(client.ServerStream({ text: "s" }));
    assert.deepEqual(
      messages.map((m) => m.text),
      ["s-0", "s-1", "s-2"],
    );
  });

  test("client streaming sends every message before the reply", async () => {
    const reply = await new Promise<EchoMessage | undefined>((resolve, reject) => {
      const call = client.ClientStream((error, r) => (error ? reject(error) : resolve(r)));
      for (const text of ["x", "y", "z"]) call.write({ text });
      call.end();
    });
    assert.equal(reply?.text, "x,y,z");
  });

  test("bidirectional streaming echoes each message while the request is still open", async () => {
    const call = client.Bidi();
    const replies: string[] = [];
    const first = new Promise<void>((resolve) => {
      call.on("data", (m: EchoMessage) => {
        replies.push(m.text);
        if (replies.length === 1) resolve();
      });
    });
    call.write({ text: "one" });
    await first; // answered before the client half-closes: full duplex through the proxy
    call.write({ text: "two" });
    const ended = new Promise<void>((resolve) => call.on("end", () => resolve()));
    call.end();
    await ended;
    assert.deepEqual(replies, ["one", "two"]);
  });

  test("a weight shift moves calls to the second server", async () => {
    await api.apply([
      { kind: "clusters", resource: edsCluster("echo2", true) },
      { kind: "endpoints", resource: endpoints("echo2", [g2.port]) },
      { kind: "routes", resource: routes("grpc", { echo2: 1 }) },
    ]);
    await eventually("calls to reach g2", async () =>
      (await unary(client, "w")).reply?.server === "g2" ? true : undefined,
    );
  });

  test("grpc-timeout is honoured: the proxy ends a call past its deadline with DEADLINE_EXCEEDED", async () => {
    // The h2c backend holds /slow for 3 s; a gRPC request carrying grpc-timeout 200m, and no
    // deadline of the client's own, must be ended by the proxy.
    const slowPort = await freePort();
    await api.apply([
      { kind: "clusters", resource: edsCluster("slow", true) },
      { kind: "endpoints", resource: endpoints("slow", [slow.port]) },
      { kind: "routes", resource: routes("slow", { slow: 1 }, { prefix_rewrite: "/slow?ms=3000&" }) },
      { kind: "listeners", resource: httpListener("slow", slowPort, "slow") },
    ]);
    // The backend would answer OK after its 3 s: DEADLINE_EXCEEDED can only be the proxy's.
    await eventually("the slow listener to end the call with DEADLINE_EXCEEDED", async () =>
      (await rawGrpcCall(slowPort, "200m")) === String(GrpcStatus.DEADLINE_EXCEEDED) ? true : undefined,
    );
  });
});

/** A gRPC-framed POST with only `grpc-timeout` as deadline; the grpc-status the proxy answers. */
function rawGrpcCall(port: number, timeout: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": "/weft.test.Echo/Unary",
      "content-type": "application/grpc",
      te: "trailers",
      "grpc-timeout": timeout,
    });
    let grpcStatus: string | undefined;
    stream.on("response", (headers) => {
      grpcStatus ??= headers["grpc-status"] as string | undefined;
    });
    stream.on("trailers", (trailers) => {
      grpcStatus ??= trailers["grpc-status"] as string | undefined;
    });
    stream.on("data", () => undefined);
    stream.on("error", () => undefined); // a refused connection: "close" follows, with no status
    stream.on("close", () => {
      session.close();
      resolve(grpcStatus);
    });
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}
