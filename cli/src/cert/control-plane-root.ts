// `--xds-root-cert FILE`: the mesh root a sidecar or `weft cert issue` trusts the control plane's
// TLS xDS port with, given out of band (GET /v1/ca's rootCertificate, or the operator's root), as
// Linkerd's trust anchor: a join token proves the workload to the control plane, never the control
// plane to the workload.
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { ControlPlaneTrust } from "../../../data-plane/src/xds-client/control-plane-tls.js";
import { CliError, CliErrorCode } from "../errors.js";

/** The TLS trust for the control plane from `file`: WEFT_CLI_READ_FAILED if it cannot be read or holds no certificate. */
export async function controlPlaneTrustFrom(file: string): Promise<ControlPlaneTrust> {
  let pem: string;
  try {
    pem = await readFile(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CliError(CliErrorCode.readFailed, `--xds-root-cert: cannot read ${file} (${reason})`, { cause: error });
  }
  try {
    new X509Certificate(pem);
  } catch (error) {
    throw new CliError(CliErrorCode.readFailed, `--xds-root-cert: ${file} holds no PEM certificate`, {
      cause: error,
    });
  }
  // Loaded here: gRPC's TLS credentials are for TLS users only.
  const { ControlPlaneTrust } = await import("../../../data-plane/src/xds-client/control-plane-tls.js");
  return new ControlPlaneTrust(pem);
}
