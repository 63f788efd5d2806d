// One workload certificate from the control plane's CA: a fresh P-256 key made here (it never
// leaves this process but for the files), its CSR sent to istio.v1.auth.IstioCertificateService
// on the xDS port with the join token, and the answer checked: its first certificate must hold the
// identity asked for, and carry the key made here.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { rotationTime } from "../../../control-plane/src/ca/leaf-validity.js";
import { parseSpiffeId, spiffeIdOfCertificate } from "../../../control-plane/src/ca/spiffe-id.js";
import { generateKeyAndCsr } from "../../../control-plane/src/ca/workload-csr.js";
import { ERROR_CODE_METADATA } from "../../../control-plane/src/unary-calls.js";
import type { XdsChannel } from "../../../data-plane/src/xds-client/control-plane-tls.js";
import { IstioCertificateServiceClient } from "../../../proto/gen/istio/v1/auth/ca.js";
import { CliError, CliErrorCode } from "../errors.js";
import type { Issued } from "./certificate-renewer.js";

export interface IssueOptions {
  /** The control plane's xDS address, HOST:PORT. */
  readonly server: string;
  readonly joinToken: string;
  /** The service the certificate must be for (the token's). */
  readonly service: string;
  /** The lifetime to ask for in seconds; the control plane's default when absent. */
  readonly ttlSeconds?: number | undefined;
  readonly timeoutMs: number;
  /** TLS to the control plane's TLS xDS port (server-authenticated); plaintext when absent. */
  readonly channel?: XdsChannel | undefined;
}

export interface IssuedCertificate extends Issued {
  readonly keyPem: string;
  /** The workload's certificate first, the root last. */
  readonly chain: readonly string[];
  readonly spiffeId: string;
  readonly serialNumber: string;
}

function call(options: IssueOptions, csr: string): Promise<string[]> {
  const client = new IstioCertificateServiceClient(
    options.server,
    options.channel?.credentials ?? credentials.createInsecure(),
    options.channel?.options,
  );
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${options.joinToken}`);
  return new Promise<string[]>((resolve, reject) => {
    client.createCertificate(
      { csr, validityDuration: options.ttlSeconds ?? 0 },
      metadata,
      { deadline: new Date(Date.now() + options.timeoutMs) },
      (error, response) => (error ? reject(error) : resolve(response?.certChain ?? [])),
    );
  }).finally(() => client.close());
}

/** A failed call as the CLI reports it: unreachable, timed out, or refused with the server's code. */
function failure(error: unknown, server: string): CliError {
  const e = error as ServiceError;
  if (e.code === status.UNAVAILABLE) {
    return new CliError(CliErrorCode.unreachable, `no control plane answered at ${server}: ${e.details}`, {
      cause: error,
    });
  }
  if (e.code === status.DEADLINE_EXCEEDED) {
    return new CliError(CliErrorCode.requestTimeout, `the control plane at ${server} did not answer in time`, {
      cause: error,
    });
  }
  const serverCode = e.metadata?.get(ERROR_CODE_METADATA)[0];
  return new CliError(
    CliErrorCode.certificateRefused,
    `the control plane refused the certificate request${typeof serverCode === "string" ? ` (${serverCode})` : ""}: ${e.details ?? String(error)}`,
    { cause: error },
  );
}

/** The service a SPIFFE ID names, or undefined for one that is not a Weft identity. */
function serviceOf(spiffeId: string): string | undefined {
  try {
    return parseSpiffeId(spiffeId).service;
  } catch {
    return undefined;
  }
}

export async function issueCertificate(options: IssueOptions): Promise<IssuedCertificate> {
  const { keyPem, csrPem } = await generateKeyAndCsr({ commonName: options.service });
  let chain: string[];
  try {
    chain = await call(options, csrPem);
  } catch (error) {
    throw failure(error, options.server);
  }
  const leaf = chain[0] === undefined ? undefined : new X509Certificate(chain[0]);
  const spiffeId = leaf === undefined ? undefined : spiffeIdOfCertificate(leaf);
  if (leaf === undefined || spiffeId === undefined) {
    throw new CliError(CliErrorCode.badResponse, "the control plane answered without a workload certificate");
  }
  if (serviceOf(spiffeId) !== options.service) {
    throw new CliError(
      CliErrorCode.certificateRefused,
      `the join token is for another service: the certificate names ${spiffeId}, not service ${options.service}`,
    );
  }
  if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) {
    throw new CliError(CliErrorCode.badResponse, "the certificate the control plane answered is not for the key sent");
  }
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  return {
    keyPem,
    chain,
    spiffeId,
    serialNumber: leaf.serialNumber,
    notBefore,
    notAfter,
    rotateAt: rotationTime(notBefore, notAfter),
  };
}
