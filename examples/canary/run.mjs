// Canary release through two Weft proxies: shift traffic from v1 to v2 in four steps with
// `weft apply` and measure the split each time. `npm run example:canary`; exits 0 only when every
// measured split matched its weights. See README.md.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  countAnswers,
  freePort,
  reportSplit,
  runExample,
  startControlPlane,
  startProxy,
  waitForProxies,
} from "../lib/example-run.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const STEPS = [
  [100, 0],
  [90, 10],
  [50, 50],
  [0, 100],
];
const REQUESTS = 400;

await runExample("canary", 60_000, async (run) => {
  // 1. The two service versions, the control plane and the two proxies, all on 127.0.0.1. The
  //    proxies' node clusters ("front", "sidecar") decide which listener each one receives.
  const service = (version) =>
    run.start(`service ${version}`, [join(here, "service.mjs"), version], (line) => "port" in line);
  const [v1, v2, cp] = await Promise.all([service("v1"), service("v2"), startControlPlane(run)]);
  await Promise.all([
    startProxy(run, cp.xds, "front-1", ["--node-cluster", "front"]),
    startProxy(run, cp.xds, "sidecar-1", ["--node-cluster", "sidecar"]),
  ]);
  await waitForProxies(run, cp.api, ["front-1", "sidecar-1"]);
  const ports = { FRONT_PORT: await freePort(), SIDECAR_PORT: await freePort(), V1_PORT: v1.port, V2_PORT: v2.port };
  console.log(`front proxy on 127.0.0.1:${ports.FRONT_PORT}, sidecar proxy on :${ports.SIDECAR_PORT}`);
  console.log(`v1 on :${v1.port}, v2 on :${v2.port}, control plane API ${cp.api}\n`);

  // 2. The mesh with the first split, then each further split, applied with the CLI; --wait
  //    returns once both proxies have acknowledged it.
  const mesh = run.render(join(here, "mesh.yaml"), ports);
  let held = true;
  for (const [step, [w1, w2]] of STEPS.entries()) {
    const split = run.render(join(here, "split.yaml"), { V1_WEIGHT: w1, V2_WEIGHT: w2 });
    const files = step === 0 ? ["-f", mesh, "-f", split] : ["-f", split];
    await run.weft(["apply", ...files, "--server", cp.api, "--wait", "--wait-timeout", "15s"]);

    // 3. Requests to the front proxy, counted by the version that answered.
    const front = `http://127.0.0.1:${ports.FRONT_PORT}/`;
    const counts = await countAnswers(REQUESTS, async () => {
      const response = await fetch(front);
      return response.ok ? await response.text() : `HTTP ${response.status}`;
    });
    held = reportSplit([w1, w2], ["v1", "v2"], counts) && held;
  }
  return held;
});
