// A sidecar's workload certificate: issued with its join token before the proxy starts (while no
// control plane answers it keeps asking, up to --join-timeout; a sidecar refused one, or still
// without one then, does not start), put into the proxy's secrets as `default` and
// `ROOTCA`, and renewed at each certificate's half-life with a new key, so new connections
// present the new certificate while open ones run on.
import type { Logger } from "pino";
import { workloadSecrets } from "../../../data-plane/src/sidecar/workload-secrets.js";
import { ProxySecrets } from "../../../data-plane/src/tls/index.js";
import type { ControlPlaneTrust } from "../../../data-plane/src/xds-client/control-plane-tls.js";
import { type Clock, systemClock } from "../../../time/index.js";
import { CliError, CliErrorCode } from "../errors.js";
import { CertificateRenewer } from "./certificate-renewer.js";
import { type IssuedCertificate, issueCertificate } from "./issue-certificate.js";

export interface WorkloadCertificateOptions {
  readonly service: string;
  readonly joinToken: string;
  /** Control planes as HOST:PORT, tried in order. */
  readonly servers: readonly string[];
  readonly logger: Logger;
  /** The lifetime to ask for, in seconds; the control plane's --cert-ttl when absent. */
  readonly ttlSeconds?: number;
  readonly timeoutMs?: number;
  /** How long to keep asking for the first certificate while no control plane answers (--join-timeout); 0: once. */
  readonly firstIssueWithinMs?: number;
  readonly clock?: Clock;
  /**
   * TLS to the control plane (`--xds-root-cert`): certificates are asked for over its
   * server-authenticated channel, and each one issued becomes the identity its mutual channel
   * presents on new connections.
   */
  readonly trust?: ControlPlaneTrust | undefined;
}

export interface WorkloadCertificate {
  readonly secrets: ProxySecrets;
  /** Stops renewing. */
  close(): void;
}

export async function startWorkloadCertificate(options: WorkloadCertificateOptions): Promise<WorkloadCertificate> {
  const secrets = new ProxySecrets();
  const logger = options.logger.child({ component: "certificate" });
  const issue = async (): Promise<IssuedCertificate> => {
    let failure: unknown;
    for (const server of options.servers) {
      try {
        const issued = await issueCertificate({
          server,
          joinToken: options.joinToken,
          service: options.service,
          ttlSeconds: options.ttlSeconds,
          timeoutMs: options.timeoutMs ?? 10_000,
          channel: options.trust?.serverAuthenticated,
        });
        for (const secret of workloadSecrets(issued.chain, issued.keyPem)) secrets.setLocal(secret);
        // What the sidecar presents to the control plane: its certificate and issuers, not the root.
        const presented = issued.chain.length > 1 ? issued.chain.slice(0, -1) : issued.chain;
        options.trust?.setIdentity(
          presented.map((pem) => (pem.endsWith("\n") ? pem : `${pem}\n`)).join(""),
          issued.keyPem,
        );
        return issued;
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  };
  let issuedOnce = false;
  const renewer = new CertificateRenewer({
    issue,
    clock: options.clock ?? systemClock,
    firstIssueWithinMs: options.firstIssueWithinMs ?? 0,
    isTransient: (error) =>
      error instanceof CliError &&
      (error.code === CliErrorCode.unreachable || error.code === CliErrorCode.requestTimeout),
    onIssued: (certificate) => {
      issuedOnce = true;
      logger.info(
        {
          spiffeId: certificate.spiffeId,
          serialNumber: certificate.serialNumber,
          notAfter: certificate.notAfter.toISOString(),
          rotateAt: certificate.rotateAt.toISOString(),
        },
        "workload certificate issued",
      );
    },
    onFailed: (error, retryInMs) =>
      logger.warn(
        { err: error instanceof Error ? error.message : String(error), retryInMs },
        issuedOnce ? "certificate renewal failed" : "waiting for a control plane to issue the workload certificate",
      ),
  });
  await renewer.start();
  return { secrets, close: () => renewer.close() };
}
