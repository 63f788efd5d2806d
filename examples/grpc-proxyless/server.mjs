// A plain gRPC server: `node server.mjs one` serves weft.example.Greeter (hello.proto) on a free
// port of 127.0.0.1, answers with its own name, and prints {"port": N}. Nothing in it knows about Weft.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";

const name = process.argv[2] ?? "one";
const definition = protoLoader.loadSync(join(dirname(fileURLToPath(import.meta.url)), "hello.proto"));
const { Greeter } = grpc.loadPackageDefinition(definition).weft.example;

const server = new grpc.Server();
server.addService(Greeter.service, {
  Hello(call, callback) {
    callback(null, { message: `hello ${call.request.name}`, server: name });
  },
});
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  console.log(JSON.stringify({ port }));
});
process.on("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
