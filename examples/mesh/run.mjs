// A small shop in the mesh: each app a plain Node server behind its own `weft sidecar`. web calls
// catalog (v1 and v2 instances) over HTTP by name and pricing over gRPC, through its sidecar and
// theirs; a gRPC proxyless client calls pricing directly. Every sidecar joins with a join token and
// holds a workload certificate from the control plane's CA; the mesh runs mutual TLS STRICT, the
// certificates living seconds so they rotate while the shop serves. `npm run example:mesh`; exits 0
// only when every step held.
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import { EnvHttpProxyAgent, fetch } from "undici";
import { countAnswers, freePort, reportSplit, runExample } from "../lib/example-run.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const weftBin = join(here, "..", "..", "bin", "weft.js");
const app = join(here, "app.mjs");
/** How long the control plane keeps a vanished sidecar's instance (weft control-plane --registration-grace). */
const GRACE_S = 3;
/** Workload certificates' lifetime (weft control-plane --cert-ttl): sidecars renew at half of it. */
const CERT_TTL_S = 8;
const CALLS = 400;

await runExample("mesh", 230_000, async (run) => {
  // 1. The control plane (mutual TLS STRICT, certificates of CERT_TTL_S seconds), the shop's
  //    Services and a 90/10 route, then each app and its sidecar, joining with its service's token.
  const cp = await run.start(
    "control plane",
    [
      weftBin,
      "control-plane",
      "--xds-listen",
      "127.0.0.1:0",
      "--api-listen",
      "127.0.0.1:0",
      "--data-dir",
      run.tmp,
    ].concat(["--registration-grace", `${GRACE_S}s`, "--mtls-mode", "STRICT", "--cert-ttl", `${CERT_TTL_S}s`]),
    (line) => line.msg === "control plane ready",
  );
  const api = `http://${cp.api}`;
  await run.weft(["apply", "-f", join(here, "shop.yaml"), "-f", join(here, "catalog-split.yaml"), "--server", api]);

  // One join token per service, as an operator hands them out (`weft token create --service NAME`).
  const tokens = {};
  for (const service of ["web", "catalog", "pricing"]) {
    tokens[service] = (await run.weft(["token", "create", "--service", service, "--server", api])).trim();
  }
  /** Workload certificates issued after the sidecars started: each one a rotation. */
  const rotations = { count: 0 };
  const countRotations = (line) => {
    if (line.msg === "workload certificate issued") rotations.count++;
  };

  /** Starts an app and its sidecar; resolves once the sidecar has registered the instance. */
  async function instance(service, appArgs, sidecarFlags = [], outbound = undefined) {
    const started = await run.launch(`${service} app`, [app, service, ...appArgs], (line) => "port" in line, {
      PORT: "0",
    });
    const listen = outbound ?? `127.0.0.1:${await freePort()}`;
    const sidecar = await run.launch(
      `${service} sidecar`,
      [weftBin, "sidecar", "--service", service, "--app", `127.0.0.1:${started.line.port}`, "--xds-server", cp.xds]
        .concat(["--outbound", listen, "--admin-listen", "127.0.0.1:0"])
        .concat(["--access-log", "off", "--drain-delay", "500ms", ...sidecarFlags]),
      (line) => line.msg === "registered" && line.health === "healthy",
      { WEFT_JOIN_TOKEN: tokens[service] },
      30_000,
      countRotations,
    );
    return { app: started, sidecar, outbound: listen };
  }
  const catalog = (version, name) => instance("catalog", [version, name], ["--labels", `version=${version}`]);
  const webOutbound = `127.0.0.1:${await freePort()}`;
  const instances = {
    pricing: await instance("pricing", ["pricing-1"]),
    v1a: await catalog("v1", "catalog-v1-a"),
    v1b: await catalog("v1", "catalog-v1-b"),
    v2: await catalog("v2", "catalog-v2-a"),
    web: await instance("web", [webOutbound], ["--depends", "catalog,pricing"], webOutbound),
  };
  const webTarget = { host: "127.0.0.1", port: instances.web.app.line.port, path: "/shop" };
  const webUrl = `http://127.0.0.1:${webTarget.port}/shop`;
  console.log(
    `1. the shop runs: control plane API ${api}, mutual TLS STRICT; 5 instances registered by their sidecars, each with a certificate for its service`,
  );
  console.log(`   web on ${webUrl}, its sidecar's outbound listener ${webOutbound}`);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  /** GET with `target` (http.request's options: host, port, path...) on the shared keep-alive agent. */
  const get = (target) =>
    new Promise((resolve, reject) => {
      http
        .get({ agent, ...target }, (response) => {
          let body = "";
          response.setEncoding("utf8").on("data", (chunk) => {
            body += chunk;
          });
          response.on("end", () => resolve({ status: response.statusCode, body }));
        })
        .on("error", reject);
    });
  const shop = async () => {
    const answer = await get(webTarget);
    if (answer.status !== 200) throw new Error(`web answered ${answer.status}: ${answer.body}`);
    return JSON.parse(answer.body);
  };

  // 2. Calls flow by name: web -> web's sidecar -> catalog's and pricing's sidecars -> the apps.
  //    The first calls wait for web's sidecar to have the endpoints (within 10 s).
  let first;
  for (const deadline = Date.now() + 10_000; first === undefined && Date.now() < deadline; ) {
    first = await shop().catch(() => new Promise((resolve) => setTimeout(resolve, 100)));
  }
  const byName = first !== undefined && first.cents === 600 && ["v1", "v2"].includes(first.catalog);
  console.log(`2. calls flow by name: web answered ${JSON.stringify(first)} ${byName ? "ok" : "WRONG"}`);
  // The same service reached HTTP_PROXY style: an absolute-form request to web's outbound listener.
  const [host, port] = webOutbound.split(":");
  const proxied = await get({ host, port: Number(port), path: "http://catalog/items", agent: false });
  const proxyStyle = proxied.status === 200 && JSON.parse(proxied.body).service === "catalog";
  console.log(`   GET http://catalog/items through ${webOutbound}: ${proxied.status} ${proxyStyle ? "ok" : "WRONG"}`);
  // And as undici's EnvHttpProxyAgent sends it with HTTP_PROXY set: a CONNECT tunnel to catalog:80,
  // whose requests the outbound listener routes by Host like any other.
  const tunnel = new EnvHttpProxyAgent({ httpProxy: `http://${webOutbound}`, noProxy: "" });
  const tunnelled = await fetch("http://catalog/items", { dispatcher: tunnel }).then(async (response) => ({
    status: response.status,
    body: await response.json(),
  }));
  await tunnel.close();
  const tunnelHeld = tunnelled.status === 200 && tunnelled.body.service === "catalog";
  console.log(
    `   fetch with EnvHttpProxyAgent (CONNECT catalog:80): ${tunnelled.status} ${tunnelHeld ? "ok" : "WRONG"}`,
  );

  // 3. The route's 90/10 split between catalog-v1 and catalog-v2, measured from web's calls.
  console.log("3. the HTTPRoute splits catalog 90/10 between catalog-v1 and catalog-v2:");
  const splitErrors = new Set();
  const versionOfCall = () =>
    shop().then(
      (answer) => answer.catalog,
      (error) => {
        splitErrors.add(error.message);
        throw error;
      },
    );
  const splitHeld = reportSplit([90, 10], ["v1", "v2"], await countAnswers(CALLS, versionOfCall));
  for (const message of splitErrors) console.log(`   failed: ${message}`);

  /** Calls web 4 at a time until stopped; resolves with the number of answers and of failures. */
  function load() {
    let stopped = false;
    const counts = { answered: 0, failed: 0, errors: [] };
    const worker = async () => {
      while (!stopped) {
        await shop().then(
          () => counts.answered++,
          (error) => {
            counts.failed++;
            if (counts.errors.length < 3) counts.errors.push(error.message);
          },
        );
      }
    };
    const workers = Promise.all(Array.from({ length: 4 }, worker));
    return async () => {
      stopped = true;
      await workers;
      return counts;
    };
  }
  const loadReport = ({ answered, failed, errors }) =>
    `${answered} answered, ${failed} failed${errors.length > 0 ? ` (${errors.join("; ")})` : ""}`;

  // 4. A rolling restart of catalog v1 under load: each instance's sidecar gets SIGTERM
  //    (deregister, drain, exit 0), then the instance starts again, one at a time.
  const restarting = load();
  const exitCodes = [];
  for (const key of ["v1a", "v1b"]) {
    const { app: oldApp, sidecar } = instances[key];
    sidecar.child.kill("SIGTERM");
    exitCodes.push(await sidecar.exited);
    oldApp.child.kill("SIGTERM");
    await oldApp.exited;
    instances[key] = await catalog("v1", `catalog-${key.replace("v1", "v1-")}-restarted`);
  }
  const restart = await restarting();
  const restartHeld = restart.failed === 0 && restart.answered > 0 && exitCodes.every((code) => code === 0);
  console.log(
    `4. rolling restart of catalog v1: sidecars exited ${exitCodes.join(", ")}; ${loadReport(restart)} ${restartHeld ? "ok" : "WRONG"}`,
  );

  // 5. A catalog v1 instance killed with SIGKILL under load: its callers' retries keep every
  //    call answered, and the control plane removes it after the grace period.
  const killing = load();
  const killedAt = Date.now();
  instances.v1b.sidecar.child.kill("SIGKILL");
  instances.v1b.app.child.kill("SIGKILL");
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const killed = await killing();
  const endpoints = async () => {
    const table = (await run.weft(["get", "services", "--server", api])).trim().split("\n");
    const column = table[0].split(/\s+/).indexOf("ENDPOINTS");
    return table.find((row) => row.startsWith("catalog "))?.split(/\s+/)[column];
  };
  let catalogEndpoints = await endpoints();
  for (const deadline = killedAt + (GRACE_S + 10) * 1_000; catalogEndpoints !== "2/2" && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    catalogEndpoints = await endpoints();
  }
  const killHeld = killed.failed === 0 && killed.answered > 0 && catalogEndpoints === "2/2";
  console.log(
    `5. catalog v1 instance killed (SIGKILL): ${loadReport(killed)}; weft get services shows catalog ${catalogEndpoints} endpoints ` +
      `${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill (grace ${GRACE_S} s) ${killHeld ? "ok" : "WRONG"}`,
  );

  // 6. Fault injection seen by a gRPC proxyless client (the unmodified @grpc/grpc-js-xds, dialing
  //    xds:///pricing): a FaultInjection on pricing's GRPCRoute aborts every call with UNAVAILABLE;
  //    removing the route restores them. The client holds no certificate, so a PeerAuthentication
  //    first makes pricing PERMISSIVE: its sidecar then takes plaintext too, while sidecars with a
  //    certificate (web's) still call it over mutual TLS.
  await run.weft([
    "apply",
    "-f",
    join(here, "pricing-permissive.yaml"),
    "--server",
    api,
    "--wait",
    "--wait-timeout",
    "15s",
  ]);
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: cp.xds, channel_creds: [{ type: "insecure" }], server_features: [] }],
    node: { id: "shop-client-1", cluster: "shop-client", locality: {} },
  });
  (await import("@grpc/grpc-js-xds")).register();
  const { Pricing } = grpc.loadPackageDefinition(protoLoader.loadSync(join(here, "pricing.proto"))).weft.shop;
  const client = new Pricing("xds:///pricing", grpc.credentials.createInsecure());
  const quote = () =>
    new Promise((resolve) =>
      client.Quote({ item: "teapot" }, { deadline: Date.now() + 5_000 }, (error, reply) =>
        resolve(error ? grpc.status[error.code] : `${reply.cents} cents`),
      ),
    );
  const summary = (counts) => [...counts].map(([answer, n]) => `${n} × ${answer}`).join(", ");
  const before = await countAnswers(20, quote);
  await run.weft(["apply", "-f", join(here, "pricing-fault.yaml"), "--server", api, "--wait", "--wait-timeout", "15s"]);
  const during = await countAnswers(20, quote);
  // web's own sidecar applies the same route: its gRPC calls to pricing fail too.
  const webDuring = await get(webTarget);
  await run.weft(["delete", "grpcroutes", "pricing-faults", "--server", api, "--wait", "--wait-timeout", "15s"]);
  const after = await countAnswers(20, quote);
  const webFaulted = webDuring.status === 502 && /UNAVAILABLE/.test(webDuring.body);
  const faultHeld =
    before.get("600 cents") === 20 && during.get("UNAVAILABLE") === 20 && after.get("600 cents") === 20 && webFaulted;
  console.log(
    `6. fault injection seen by the gRPC proxyless client: before ${summary(before)}; with the fault ${summary(during)}; ` +
      `after ${summary(after)}; web through its sidecar meanwhile: ${webDuring.status} ${faultHeld ? "ok" : "WRONG"}`,
  );
  // grpc-js-xds keeps timers running after close(); runExample ends the process with process.exit.
  client.close();

  // 7. An AuthorizationPolicy lets only web call catalog: a call from pricing's sidecar (a request
  //    to catalog through its outbound listener, under pricing's identity) is refused with 403
  //    until the policy names pricing too; web's calls keep flowing all along.
  const fromPricing = () => {
    const [pricingHost, pricingPort] = instances.pricing.outbound.split(":");
    return get({ host: pricingHost, port: Number(pricingPort), path: "http://catalog/items", agent: false });
  };
  await run.weft([
    "apply",
    "-f",
    join(here, "catalog-callers.yaml"),
    "--server",
    api,
    "--wait",
    "--wait-timeout",
    "15s",
  ]);
  const refused = await fromPricing();
  const webAllowed = await get(webTarget);
  await run.weft([
    "apply",
    "-f",
    join(here, "catalog-callers-pricing.yaml"),
    "--server",
    api,
    "--wait",
    "--wait-timeout",
    "15s",
  ]);
  const allowed = await fromPricing();
  const policyHeld =
    refused.status === 403 &&
    refused.body === "RBAC: access denied" &&
    webAllowed.status === 200 &&
    allowed.status === 200;
  console.log(
    `7. AuthorizationPolicy catalog-callers (only web may call catalog): pricing's call ${refused.status} ${JSON.stringify(refused.body)}, ` +
      `web's ${webAllowed.status}; once the policy names pricing too, pricing's call ${allowed.status} ${policyHeld ? "ok" : "WRONG"}`,
  );

  // 8. Certificates rotate under load: every sidecar renews its certificate at half its lifetime
  //    (CERT_TTL_S / 2 seconds) with a new key; calls made meanwhile all succeed.
  const rotatedBefore = rotations.count;
  const rotating = load();
  await new Promise((resolve) => setTimeout(resolve, CERT_TTL_S * 1_000));
  const rotated = await rotating();
  const renewals = rotations.count - rotatedBefore;
  const running = Object.keys(instances).length - 1; // catalog v1b was killed in step 5
  const rotationHeld = rotated.failed === 0 && rotated.answered > 0 && renewals >= running;
  console.log(
    `8. certificates rotated under load: ${renewals} certificates renewed by ${running} sidecars in ${CERT_TTL_S} s ` +
      `(${rotations.count} since the shop started); ${loadReport(rotated)} ${rotationHeld ? "ok" : "WRONG"}`,
  );
  agent.destroy();
  return (
    byName &&
    proxyStyle &&
    tunnelHeld &&
    splitHeld &&
    restartHeld &&
    killHeld &&
    faultHeld &&
    policyHeld &&
    rotationHeld
  );
});
