import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import grpc from "@grpc/grpc-js";
import { staticCluster } from "../upstream/backends.js";
import { h2Request, routeTo, startProxy, type TestProxy } from "./harness.js";

// A service whose messages are raw bytes, so no .proto is needed.
const bytes = {
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};
const service = {
  unary: { path: "/weft.test.Echo/Unary", requestStream: false, responseStream: false, ...bytes },
  serverStream: { path: "/weft.test.Echo/ServerStream", requestStream: false, responseStream: true, ...bytes },
  clientStream: { path: "/weft.test.Echo/ClientStream", requestStream: true, responseStream: false, ...bytes },
  bidi: { path: "/weft.test.Echo/Bidi", requestStream: true, responseStream: true, ...bytes },
} satisfies grpc.ServiceDefinition;

type EchoClient = grpc.Client & Record<keyof typeof service, (...args: unknown[]) => unknown>;
const EchoClient = grpc.makeGenericClientConstructor(service, "Echo") as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
) => EchoClient;

const implementation: grpc.UntypedServiceImplementation = {
  unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
    const text = call.request.toString();
    if (text === "fail") {
      const trailer = new grpc.Metadata();
      trailer.set("x-reason", "asked-to-fail");
      callback({ code: grpc.status.FAILED_PRECONDITION, details: "refused", metadata: trailer });
      return;
    }
    if (text === "slow") {
      setTimeout(() => callback(null, Buffer.from("late")), 1000);
      return;
    }
    const trailer = new grpc.Metadata();
    trailer.set("x-trailer", "t1");
    callback(null, Buffer.from(`echo:${text}`), trailer);
  },
  serverStream: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
    const n = Number(call.request.toString());
    for (let i = 0; i < n; i++) call.write(Buffer.from(`item${i}`));
    call.end();
  },
  clientStream: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
    const parts: string[] = [];
    call.on("data", (b: Buffer) => parts.push(b.toString()));
    call.on("end", () => callback(null, Buffer.from(parts.join("+"))));
  },
  bidi: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    call.on("data", (b: Buffer) => call.write(Buffer.from(`re:${b.toString()}`)));
    call.on("end", () => call.end());
  },
};

describe("gRPC through the proxy (h2c both sides)", () => {
  let server: grpc.Server;
  let proxy: TestProxy;
  let client: EchoClient;

  before(async () => {
    server = new grpc.Server();
    server.addService(service, implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    proxy = await startProxy({
      routes: [
        { match: { prefix: "/weft.test.Missing/" }, route: { cluster: "nowhere" } },
        routeTo("grpc", { timeout: "5s" }),
      ],
      clusters: [{ ...staticCluster("grpc", { host: "127.0.0.1", port, weight: 1, health: "HEALTHY" }), http2: true }],
    });
    client = new EchoClient(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await proxy.close();
    server.forceShutdown();
  });

  it("passes a unary call, its response and its trailing metadata", async () => {
    const record = proxy.nextRecord();
    const trailers = new Promise<grpc.Metadata>((resolve) => {
      const call = client.unary(Buffer.from("hi"), (err: grpc.ServiceError | null, reply: Buffer) => {
        assert.equal(err, null);
        assert.equal(reply.toString(), "echo:hi");
      }) as grpc.ClientUnaryCall;
      call.on("status", (status: grpc.StatusObject) => resolve(status.metadata));
    });
    assert.deepEqual((await trailers).get("x-trailer"), ["t1"]);
    const r = await record;
    assert.equal(r.grpcStatus, 0);
    assert.equal(r.status, 200);
    assert.equal(r.cluster, "grpc");
  });

  it("passes a non-OK status with its message and custom trailing metadata", async () => {
    const record = proxy.nextRecord();
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      client.unary(Buffer.from("fail"), (e: grpc.ServiceError | null) => resolve(e as grpc.ServiceError));
    });
    assert.equal(err.code, grpc.status.FAILED_PRECONDITION);
    assert.equal(err.details, "refused");
    assert.deepEqual(err.metadata.get("x-reason"), ["asked-to-fail"]);
    assert.equal((await record).grpcStatus, grpc.status.FAILED_PRECONDITION);
  });

  it("streams a server-streaming call's messages in order", async () => {
    const call = client.serverStream(Buffer.from("5")) as grpc.ClientReadableStream<Buffer>;
    const items: string[] = [];
    const code = await new Promise<number>((resolve) => {
      call.on("data", (b: Buffer) => items.push(b.toString()));
      call.on("status", (s: grpc.StatusObject) => resolve(s.code));
    });
    assert.equal(code, grpc.status.OK);
    assert.deepEqual(items, ["item0", "item1", "item2", "item3", "item4"]);
  });

  it("streams a client-streaming call's messages to the server", async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const call = client.clientStream((err: grpc.ServiceError | null, r: Buffer) =>
        err ? reject(err) : resolve(r.toString()),
      ) as grpc.ClientWritableStream<Buffer>;
      call.write(Buffer.from("a"));
      call.write(Buffer.from("b"));
      setTimeout(() => call.end(Buffer.from("c")), 20);
    });
    assert.equal(reply, "a+b+c");
  });

  it("carries a bidi call full duplex: each reply arrives before the next request is sent", async () => {
    const call = client.bidi() as grpc.ClientDuplexStream<Buffer, Buffer>;
    const replies: string[] = [];
    const done = new Promise<number>((resolve) => call.on("status", (s: grpc.StatusObject) => resolve(s.code)));
    call.on("data", (b: Buffer) => {
      replies.push(b.toString());
      if (replies.length < 3) call.write(Buffer.from(`m${replies.length}`));
      else call.end();
    });
    call.write(Buffer.from("m0"));
    assert.equal(await done, grpc.status.OK);
    assert.deepEqual(replies, ["re:m0", "re:m1", "re:m2"]);
  });

  it("answers DEADLINE_EXCEEDED, trailers-only, when grpc-timeout passes before the upstream answers", async () => {
    const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
    after(() => session.close());
    const record = proxy.nextRecord();
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, 4]), Buffer.from("slow")]);
    const reply = await h2Request(
      session,
      {
        ":method": "POST",
        ":path": service.unary.path,
        "content-type": "application/grpc",
        te: "trailers",
        "grpc-timeout": "100m",
      },
      frame,
    );
    assert.equal(reply.headers[":status"], 200);
    assert.equal(reply.headers["grpc-status"], String(grpc.status.DEADLINE_EXCEEDED));
    assert.equal(reply.trailers, undefined);
    const r = await record;
    assert.deepEqual(r.responseFlags, ["UT"]);
    assert.equal(r.grpcStatus, grpc.status.DEADLINE_EXCEEDED);
  });

  it("answers a call to an unknown cluster with UNAVAILABLE, as HTTP 503 maps", async () => {
    const missing = grpc.makeGenericClientConstructor(
      { call: { ...service.unary, path: "/weft.test.Missing/Call" } },
      "Missing",
    );
    const other = new missing(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure()) as unknown as EchoClient & {
      call: EchoClient["unary"];
    };
    after(() => other.close());
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      other.call(Buffer.from("x"), (e: grpc.ServiceError | null) => resolve(e as grpc.ServiceError));
    });
    assert.equal(err.code, grpc.status.UNAVAILABLE);
  });
});
