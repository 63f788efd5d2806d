// gRPC server reflection (v1 and v1alpha) on the xDS port: the descriptors it returns resolve
// completely, with every file they import (issue 3; DESIGN.md's note on @grpc/reflection 1.0.4).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create, createFileRegistry, type DescMessage, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { type ClientDuplexStream, credentials, Server, ServerCredentials } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import * as v1 from "../../../proto/gen/grpc/reflection/v1/reflection.js";
import { descriptorSetBytes, messageDescriptor } from "../../../proto/index.js";
import { type Harness, startHarness } from "./harness.js";

type Request = v1.ServerReflectionRequest;
type Response = v1.ServerReflectionResponse;

/** Asks one question on a fresh reflection stream and returns the answer. */
function ask(open: () => ClientDuplexStream<Request, Response>, question: Partial<Request>): Promise<Response> {
  const call = open();
  return new Promise<Response>((resolve, reject) => {
    call.once("data", (response: Response) => {
      resolve(response);
      call.end();
    });
    call.once("error", reject);
    call.write(v1.ServerReflectionRequest.fromPartial({ host: "", ...question } as Request));
  });
}

/**
 * The files of a FileDescriptorResponse loaded into a registry, as a reflection client does: from
 * the first file (the one asked for), each import looked up among the files returned and loaded
 * before the files importing it. Throws if an import is missing or a type does not resolve.
 * (createFileRegistry's own resolver form loads imports in breadth-first order, which fails when
 * a deeper file imports a shallower one, as google/rpc/status.proto does; hence the explicit order.)
 */
function registryOf(response: Response) {
  const files = (response.fileDescriptorResponse?.fileDescriptorProto ?? []).map((bytes) =>
    fromBinary(FileDescriptorProtoSchema, bytes),
  );
  const [first] = files;
  if (!first) throw new Error("no file in the response");
  const ordered: typeof files = [];
  const visit = (file: (typeof files)[number], importedBy: string) => {
    if (ordered.includes(file)) return;
    for (const name of file.dependency) {
      const dep = files.find((f) => f.name === name);
      if (!dep) throw new Error(`${name}, imported by ${file.name}, not found (asked via ${importedBy})`);
      visit(dep, file.name);
    }
    ordered.push(file);
  };
  visit(first, first.name);
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
  return { files, first, registry };
}

/** Every message type reachable from `root` through its fields; each one's fields are resolved. */
function reachable(root: DescMessage): Set<string> {
  const seen = new Set<string>();
  const visit = (message: DescMessage) => {
    if (seen.has(message.typeName)) return;
    seen.add(message.typeName);
    for (const field of message.fields) {
      if (field.fieldKind === "message") visit(field.message);
      if (field.fieldKind === "list" && field.listKind === "message") visit(field.message);
      if (field.fieldKind === "map" && field.mapKind === "message") visit(field.message);
      if (field.fieldKind === "enum") assert.ok(field.enum.values.length > 0, `${field.enum.typeName} has values`);
    }
  };
  visit(root);
  return seen;
}

const SERVICES = [
  "envoy.service.discovery.v3.AggregatedDiscoveryService",
  "envoy.service.listener.v3.ListenerDiscoveryService",
  "envoy.service.route.v3.RouteDiscoveryService",
  "envoy.service.cluster.v3.ClusterDiscoveryService",
  "envoy.service.endpoint.v3.EndpointDiscoveryService",
  "envoy.service.secret.v3.SecretDiscoveryService",
  "envoy.service.status.v3.ClientStatusDiscoveryService",
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
];

describe("server reflection", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const versions = [
    { name: "v1", open: () => h.reflection.serverReflectionInfo() },
    { name: "v1alpha", open: () => h.reflectionV1alpha.serverReflectionInfo() },
  ];

  for (const version of versions) {
    test(`${version.name}: list_services names the discovery services, CSDS, health and reflection`, async () => {
      const response = await ask(version.open, { listServices: "*" });
      assert.deepEqual(response.listServicesResponse?.service.map((s) => s.name).sort(), [...SERVICES].sort());
    });

    for (const symbol of ["envoy.service.discovery.v3.DiscoveryRequest", "envoy.config.listener.v3.Listener"]) {
      test(`${version.name}: file_containing_symbol ${symbol} returns its file and every import, which resolve completely`, async () => {
        const response = await ask(version.open, { fileContainingSymbol: symbol });
        assert.equal(response.errorResponse, undefined);
        const { files, first, registry } = registryOf(response);
        assert.ok(
          first.messageType.some((m) => `${first.package}.${m.name}` === symbol),
          "the declaring file first",
        );
        assert.ok(first.dependency.length > 0, "its imports are listed");
        const names = new Set(files.map((f) => f.name));
        for (const file of files) for (const dep of file.dependency) assert.ok(names.has(dep), `${dep} is included`);
        const message = registry.getMessage(symbol);
        assert.ok(message, `${symbol} resolves`);
        // Every message type the server's own schema reaches from the symbol is reached here too.
        const expected = messageDescriptor(symbol);
        assert.ok(expected);
        assert.deepEqual([...reachable(message)].sort(), [...reachable(expected)].sort());
        assert.ok(reachable(message).has("google.protobuf.Any"));
      });
    }

    test(`${version.name}: a method or field name finds the file declaring it`, async () => {
      const method = await ask(version.open, {
        fileContainingSymbol: "envoy.service.discovery.v3.AggregatedDiscoveryService.StreamAggregatedResources",
      });
      assert.ok(registryOf(method).registry.getService("envoy.service.discovery.v3.AggregatedDiscoveryService"));
      const field = await ask(version.open, { fileContainingSymbol: "envoy.config.listener.v3.Listener.name" });
      assert.ok(registryOf(field).registry.getMessage("envoy.config.listener.v3.Listener"));
    });

    test(`${version.name}: file_by_filename returns the file with its imports`, async () => {
      const response = await ask(version.open, { fileByFilename: "envoy/config/cluster/v3/cluster.proto" });
      assert.ok(registryOf(response).registry.getMessage("envoy.config.cluster.v3.Cluster"));
    });

    test(`${version.name}: an unknown symbol or file is answered with error_response NOT_FOUND`, async () => {
      const symbol = await ask(version.open, { fileContainingSymbol: "no.such.Message" });
      assert.equal(symbol.errorResponse?.errorCode, 5);
      assert.equal(symbol.fileDescriptorResponse, undefined);
      const file = await ask(version.open, { fileByFilename: "no/such/file.proto" });
      assert.equal(file.errorResponse?.errorCode, 5);
    });
  }
});

describe("@grpc/reflection 1.0.4, for comparison", () => {
  let server: Server;
  let client: v1.ServerReflectionClient;
  before(async () => {
    // The same descriptors Weft serves, through the reference package the usual way.
    server = new Server();
    new ReflectionService(loadFileDescriptorSetFromBuffer(Buffer.from(descriptorSetBytes))).addToServer(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = new v1.ServerReflectionClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  test("it answers with empty dependency lists, and its files do not resolve DiscoveryRequest (why Weft serves its own)", async () => {
    const response = await ask(() => client.serverReflectionInfo(), {
      fileContainingSymbol: "envoy.service.discovery.v3.DiscoveryRequest",
    });
    const files = (response.fileDescriptorResponse?.fileDescriptorProto ?? []).map((bytes) =>
      fromBinary(FileDescriptorProtoSchema, bytes),
    );
    assert.ok(files.length > 1, "it does answer, with several files");
    assert.deepEqual(
      files.filter((f) => f.dependency.length > 0).map((f) => f.name),
      [],
      "every file comes with an empty dependency list",
    );
    assert.throws(() => registryOf(response), /not found/, "the file asked for does not resolve from its imports");
    // Not even with every file it returned loaded at once, in either order.
    assert.throws(() => createFileRegistry(create(FileDescriptorSetSchema, { file: files })));
    assert.throws(() => createFileRegistry(create(FileDescriptorSetSchema, { file: [...files].reverse() })));
  });
});
