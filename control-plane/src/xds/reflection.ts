// gRPC server reflection (grpc.reflection.v1 and v1alpha), answered from Weft's own descriptor
// set. Every file is returned with all the files it imports, so a client can resolve a message
// such as DiscoveryRequest completely (@grpc/reflection 1.0.4 sends empty dependency lists).
import { toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { status as GrpcStatus, type Server, type ServerDuplexStream } from "@grpc/grpc-js";
import * as v1 from "../../../proto/gen/grpc/reflection/v1/reflection.js";
import * as v1alpha from "../../../proto/gen/grpc/reflection/v1alpha/reflection.js";
import { descriptors } from "../../../proto/index.js";

/** Services every xDS server answers, in the order reflection lists them. */
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

type Request = v1.ServerReflectionRequest;
type Response = v1.ServerReflectionResponse;

/** Encoded FileDescriptorProto of each file, by file name (`envoy/config/core/v3/base.proto`). */
const encodedFiles = new Map<string, Uint8Array>();
const filesByName = new Map([...descriptors().files].map((file) => [`${file.name}.proto`, file]));

function encodedFile(name: string): Uint8Array | undefined {
  let bytes = encodedFiles.get(name);
  if (!bytes) {
    const file = filesByName.get(name);
    if (!file) return undefined;
    bytes = toBinary(FileDescriptorProtoSchema, file.proto);
    encodedFiles.set(name, bytes);
  }
  return bytes;
}

/** `name` and every file it imports, transitively, the named file first. */
function withDependencies(name: string): Uint8Array[] {
  const seen = new Set<string>();
  const order: string[] = [];
  const visit = (fileName: string) => {
    if (seen.has(fileName)) return;
    seen.add(fileName);
    order.push(fileName);
    for (const dep of filesByName.get(fileName)?.dependencies ?? []) visit(`${dep.name}.proto`);
  };
  visit(name);
  return order.map((f) => encodedFile(f)).filter((b): b is Uint8Array => b !== undefined);
}

/** The file declaring a message, enum, service, method or field by its full name. */
function fileOfSymbol(symbol: string): string | undefined {
  let name = symbol.replace(/^\./, "");
  while (name !== "") {
    const found = descriptors().get(name);
    if (found && "file" in found) return `${found.file.name}.proto`;
    const dot = name.lastIndexOf(".");
    if (dot < 0) return undefined;
    name = name.slice(0, dot);
  }
  return undefined;
}

/** The answer to `request` from a server serving SERVICES and then `more` (full service names). */
export function answer(request: Request, more: readonly string[] = []): Response {
  const base = { validHost: request.host, originalRequest: request };
  const notFound = (what: string): Response => ({
    ...base,
    errorResponse: { errorCode: GrpcStatus.NOT_FOUND, errorMessage: `${what} not found` },
  });
  if (request.listServices !== undefined) {
    return { ...base, listServicesResponse: { service: [...SERVICES, ...more].map((name) => ({ name })) } };
  }
  if (request.fileByFilename !== undefined) {
    if (!filesByName.has(request.fileByFilename)) return notFound(`file ${request.fileByFilename}`);
    return { ...base, fileDescriptorResponse: { fileDescriptorProto: withDependencies(request.fileByFilename) } };
  }
  if (request.fileContainingSymbol !== undefined) {
    const file = fileOfSymbol(request.fileContainingSymbol);
    if (!file) return notFound(`symbol ${request.fileContainingSymbol}`);
    return { ...base, fileDescriptorResponse: { fileDescriptorProto: withDependencies(file) } };
  }
  if (request.allExtensionNumbersOfType !== undefined) {
    if (!descriptors().getMessage(request.allExtensionNumbersOfType))
      return notFound(`type ${request.allExtensionNumbersOfType}`);
    return {
      ...base,
      allExtensionNumbersResponse: { baseTypeName: request.allExtensionNumbersOfType, extensionNumber: [] },
    };
  }
  if (request.fileContainingExtension !== undefined) return notFound("extension");
  return {
    ...base,
    errorResponse: { errorCode: GrpcStatus.INVALID_ARGUMENT, errorMessage: "the request names no question" },
  };
}

/** Adds both reflection service versions to `server`, listing `more` services after SERVICES. */
export function addReflection(server: Server, more: readonly string[] = []): void {
  const handler = (call: ServerDuplexStream<Request, Response>): void => {
    call.on("data", (request: Request) => call.write(answer(request, more)));
    call.on("end", () => call.end());
    call.on("error", () => call.end());
  };
  server.addService(v1.ServerReflectionService, { serverReflectionInfo: handler });
  server.addService(v1alpha.ServerReflectionService, { serverReflectionInfo: handler });
}
