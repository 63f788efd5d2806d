// A proxyless gRPC client (the unmodified @grpc/grpc-js-xds) routed by Weft between two gRPC
// servers, with the weights shifted by `weft apply` while it keeps calling.
// `npm run example:grpc-proxyless`; exits 0 only when every measured split matched its weights.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import { countAnswers, reportSplit, runExample, startControlPlane } from "../lib/example-run.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const STEPS = [
  [100, 0],
  [80, 20],
  [0, 100],
];
const CALLS = 400;

await runExample("grpc-proxyless", 60_000, async (run) => {
  // 1. Two plain gRPC servers and the control plane.
  const server = (name) => run.start(`server ${name}`, [join(here, "server.mjs"), name], (line) => "port" in line);
  const [one, two, cp] = await Promise.all([server("one"), server("two"), startControlPlane(run)]);
  console.log(`server one on 127.0.0.1:${one.port}, two on :${two.port}, control plane API ${cp.api}\n`);
  const greeter = run.render(join(here, "greeter.yaml"), { ONE_PORT: one.port, TWO_PORT: two.port });

  // 2. The client: grpc-js plus register(), dialling xds:///greeter. The bootstrap names the
  //    control plane; grpc-js-xds reads it when the first xds: channel is created.
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: cp.xds, channel_creds: [{ type: "insecure" }], server_features: [] }],
    node: { id: "greeter-client-1", cluster: "greeter-client", locality: {} },
  });
  (await import("@grpc/grpc-js-xds")).register();
  const { Greeter } = grpc.loadPackageDefinition(protoLoader.loadSync(join(here, "hello.proto"))).weft.example;
  const client = new Greeter("xds:///greeter", grpc.credentials.createInsecure());

  // 3. Each split applied with the CLI (--wait: until the client has acknowledged it), then calls
  //    counted by the server that answered.
  let held = true;
  for (const [step, [w1, w2]] of STEPS.entries()) {
    const split = run.render(join(here, "split.yaml"), { ONE_WEIGHT: w1, TWO_WEIGHT: w2 });
    const files = step === 0 ? ["-f", greeter, "-f", split] : ["-f", split];
    await run.weft(["apply", ...files, "--server", cp.api, "--wait", "--wait-timeout", "15s"]);

    const counts = await countAnswers(
      CALLS,
      () =>
        new Promise((resolve, reject) =>
          client.Hello({ name: "weft" }, { deadline: Date.now() + 5_000 }, (error, reply) =>
            error ? reject(error) : resolve(reply.server),
          ),
        ),
    );
    held = reportSplit([w1, w2], ["one", "two"], counts) && held;
  }
  // grpc-js-xds keeps timers running after close(); runExample ends the process with process.exit.
  client.close();
  return held;
});
