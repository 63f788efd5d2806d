// The authenticated control plane with real processes on 127.0.0.1: `weft control-plane
// --xds-tls-listen`, a sidecar that trusts the mesh root saved from GET /v1/ca, gets its workload
// certificate over server-authenticated TLS with its join token, then takes its config and
// registers with mutual TLS; `weft cert issue` over TLS; and the plaintext port refused beyond
// loopback without --xds-plaintext (a usage error, exit 2).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type ServiceError, status } from "@grpc/grpc-js";
import { controlPlaneTrustFrom } from "../../cli/src/cert/control-plane-root.js";
import { issueCertificate } from "../../cli/src/cert/issue-certificate.js";
import { CertificateAuthority } from "../../control-plane/src/ca/index.js";
import { ERROR_CODE_METADATA } from "../../control-plane/src/unary-calls.js";
import { AggregatedDiscoveryServiceClient } from "../../proto/gen/envoy/service/discovery/v3/ads.js";
import { DiscoveryRequest } from "../../proto/gen/envoy/service/discovery/v3/discovery.js";
import {
  type BackendProcess,
  bin,
  type ControlPlane,
  eventually,
  root,
  startBackend,
  startControlPlane,
  tempDir,
} from "./processes.js";
import { joinToken, startSidecar } from "./sidecars.js";

const CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

/** A `weft` command run to its end: exit status, stdout and stderr. */
function run(args: readonly string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, WEFT_LOG_FORMAT: "json", ...env },
  });
  assert.equal(result.error, undefined);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

/** A web workload certificate from the TLS port, as `weft sidecar --xds-root-cert` gets its own. */
async function certificateOverTls(
  server: string,
  rootFile: string,
  token: string,
): Promise<{ chainPem: string; keyPem: string }> {
  const trust = await controlPlaneTrustFrom(rootFile);
  const issued = await issueCertificate({
    server,
    joinToken: token,
    service: "web",
    timeoutMs: 10_000,
    channel: trust.serverAuthenticated,
  });
  return { chainPem: issued.chain.slice(0, -1).join(""), keyPem: issued.keyPem };
}

describe("xDS over TLS", () => {
  let plane: ControlPlane;
  let tlsAddress: string;
  let rootFile: string;
  let app: BackendProcess;

  before(async () => {
    plane = await startControlPlane({ env: { WEFT_XDS_TLS_LISTEN: "127.0.0.1:0" } });
    const ready = plane.lines.find((l) => l.msg === "control plane ready");
    tlsAddress = String(ready?.xdsTls);
    assert.match(tlsAddress, /^127\.0\.0\.1:\d+$/, "the ready line names the TLS port bound");
    const ca = (await (await fetch(`http://${plane.api}/v1/ca`)).json()) as { rootCertificate: string };
    rootFile = join(tempDir(), "mesh-root.pem");
    writeFileSync(rootFile, ca.rootCertificate);
    app = await startBackend("web");
  });

  after(async () => {
    await app?.stop();
    await plane?.stop();
  });

  test("a sidecar with its join token and the mesh root gets its config and registers over mutual TLS", async () => {
    const token = await joinToken(plane, "web");
    const sidecar = await startSidecar({ xds: tlsAddress }, "web", "web-over-tls", app.port, [
      "--join-token",
      token,
      "--xds-root-cert",
      rootFile,
    ]);
    try {
      await eventually("the sidecar's clusters are acknowledged on the TLS port", async () => {
        const { proxies } = (await (await fetch(`http://${plane.api}/v1/proxies`)).json()) as {
          proxies: { nodeId: string; types: Record<string, { state: string }> }[];
        };
        const node = proxies.find((p) => p.nodeId === "web-over-tls");
        return node?.types[CDS]?.state === "SYNCED" ? true : undefined;
      });
      const registered = await eventually("the instance is registered, proven by its certificate", () =>
        plane.lines.find((l) => l.msg === "instance registered" && l.nodeId === "web-over-tls"),
      );
      assert.equal(registered.provenBy, "certificate");
    } finally {
      assert.equal(await sidecar.stop(), 0);
    }
  });

  test("a web certificate claiming catalog's sidecar node is refused PERMISSION_DENIED and logged", async () => {
    const web = await certificateOverTls(tlsAddress, rootFile, await joinToken(plane, "web"));
    const trust = await controlPlaneTrustFrom(rootFile);
    trust.setIdentity(web.chainPem, web.keyPem);
    const client = new AggregatedDiscoveryServiceClient(tlsAddress, trust.mutual.credentials, trust.mutual.options);
    try {
      const stream = client.streamAggregatedResources();
      const error = await new Promise<ServiceError>((resolve) => {
        stream.on("error", resolve);
        stream.on("data", () => resolve(Object.assign(new Error("answered"), { code: -1 }) as ServiceError));
        stream.write(
          DiscoveryRequest.fromPartial({
            node: {
              id: "catalog-impostor",
              cluster: "catalog",
              metadata: { weft: { role: "sidecar", service: "catalog" } },
            },
            typeUrl: CDS,
          }),
        );
      });
      assert.equal(error.code, status.PERMISSION_DENIED);
      assert.equal(error.metadata.get(ERROR_CODE_METADATA)[0], "WEFT_IDENTITY_MISMATCH");
    } finally {
      client.close();
    }
    const logged = await eventually("the refusal is logged", () =>
      plane.lines.find((l) => l.nodeId === "catalog-impostor" && l.level === "warn"),
    );
    assert.equal(logged.claimedService, "catalog");
    assert.equal(logged.identity, "spiffe://weft.local/service/web");
  });

  test("weft cert issue gets a certificate over TLS, and refuses a control plane another root does not vouch for", async () => {
    const out = tempDir();
    const token = await joinToken(plane, "web");
    const issued = run([
      "cert",
      "issue",
      "--service",
      "web",
      "--out",
      out,
      "--join-token",
      token,
      "--xds-server",
      tlsAddress,
      "--xds-root-cert",
      rootFile,
    ]);
    assert.equal(issued.status, 0, issued.stderr);
    assert.match(issued.stdout, /spiffe:\/\/weft\.local\/service\/web/);

    const other = await CertificateAuthority.generate({ trustDomain: "weft.local" });
    const otherRoot = join(tempDir(), "other-root.pem");
    writeFileSync(otherRoot, other.trustBundlePem());
    const refused = run([
      "cert",
      "issue",
      "--service",
      "web",
      "--out",
      tempDir(),
      "--join-token",
      token,
      "--xds-server",
      tlsAddress,
      "--xds-root-cert",
      otherRoot,
      "--timeout",
      "5s",
    ]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^weft: WEFT_CLI_UNREACHABLE: /);
  });
});

describe("the plaintext xDS port beyond loopback", () => {
  test("without --xds-plaintext is a usage error (exit 2) before anything starts", () => {
    const refused = run([
      "control-plane",
      "--data-dir",
      tempDir(),
      "--xds-listen",
      "0.0.0.0:0",
      "--api-listen",
      "127.0.0.1:0",
    ]);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /^weft: WEFT_CLI_USAGE: --xds-listen: /);
  });

  test("with --xds-plaintext (WEFT_XDS_PLAINTEXT) it starts", async () => {
    const plane = await startControlPlane({ xdsListen: "0.0.0.0:0", env: { WEFT_XDS_PLAINTEXT: "1" } });
    assert.match(plane.xds, /^0\.0\.0\.0:\d+$/);
    assert.equal(await plane.stop(), 0);
  });

  test("a sidecar with --xds-root-cert but no --join-token is a usage error", () => {
    const refused = run(["sidecar", "--service", "web", "--app", "127.0.0.1:1", "--xds-root-cert", "root.pem"]);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /^weft: WEFT_CLI_USAGE: --xds-root-cert: /);
  });
});
