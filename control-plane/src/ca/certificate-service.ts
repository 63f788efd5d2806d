// istio.v1.auth.IstioCertificateService on the xDS port: a workload sends a CSR with its join token
// (`authorization: Bearer weft.ID.SECRET`) and gets a certificate for the service the token names,
// whatever identity the CSR asks for, with the chain up to the root. The lifetime is the one asked
// for (validity_duration, seconds), never more than the control plane's maximum (--cert-ttl),
// which is also the default.
import { type ServerUnaryCall, status } from "@grpc/grpc-js";
import type { Logger } from "pino";
import {
  type IstioCertificateRequest,
  type IstioCertificateResponse,
  type IstioCertificateServiceServer,
  IstioCertificateServiceService,
} from "../../../proto/gen/istio/v1/auth/ca.js";
import { ErrorCode, WeftError } from "../errors.js";
import { bearerOf } from "../tokens/bearer.js";
import { type StatusTable, unary } from "../unary-calls.js";
import type { CertificateAuthority } from "./certificate-authority.js";
import type { JoinTokens } from "./join-tokens.js";

const STATUS_OF: StatusTable = {
  [ErrorCode.unauthorized]: status.UNAUTHENTICATED,
  [ErrorCode.tokenInvalid]: status.UNAUTHENTICATED,
  [ErrorCode.invalidCsr]: status.INVALID_ARGUMENT,
  [ErrorCode.csrKeyUnsupported]: status.INVALID_ARGUMENT,
  [ErrorCode.badRequest]: status.INVALID_ARGUMENT,
  [ErrorCode.invalidIdentity]: status.INVALID_ARGUMENT,
  [ErrorCode.storeFailed]: status.UNAVAILABLE,
  [ErrorCode.caInvalid]: status.FAILED_PRECONDITION,
};

export interface CertificateServiceOptions {
  readonly ca: CertificateAuthority;
  readonly tokens: Pick<JoinTokens, "verify">;
  /** The longest lifetime issued, and the lifetime when none is asked for. */
  readonly maxTtlMs: number;
  readonly now: () => number;
  readonly logger: Logger;
}

/** The join token of a call: `authorization: Bearer TOKEN` (WEFT_UNAUTHORIZED without one). */
function joinTokenOf(call: ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>): string {
  const token = bearerOf(call.metadata.get("authorization")[0]);
  if (token === undefined) {
    throw new WeftError(ErrorCode.unauthorized, "a certificate request needs authorization: Bearer JOIN_TOKEN", {
      details: [{ path: "authorization", message: "no bearer token" }],
    });
  }
  return token;
}

/** The lifetime to issue: the one asked for in seconds (0: the maximum), capped at the maximum. */
function lifetimeMs(validitySeconds: number, maxTtlMs: number): number {
  if (!Number.isSafeInteger(validitySeconds) || validitySeconds < 0) {
    throw new WeftError(ErrorCode.badRequest, "validity_duration must be 0 or more seconds", {
      details: [{ path: "validity_duration", message: "must be 0 or more seconds" }],
    });
  }
  return validitySeconds === 0 ? maxTtlMs : Math.min(validitySeconds * 1000, maxTtlMs);
}

export function certificateService(options: CertificateServiceOptions): {
  readonly definition: typeof IstioCertificateServiceService;
  readonly implementation: IstioCertificateServiceServer;
} {
  const { ca, tokens, maxTtlMs, now, logger } = options;
  const implementation: IstioCertificateServiceServer = {
    createCertificate: unary(logger, STATUS_OF, async (request: IstioCertificateRequest, call) => {
      const token = await tokens.verify(joinTokenOf(call));
      const ttlMs = lifetimeMs(request.validityDuration, maxTtlMs);
      const issued = await ca.sign({ csrPem: request.csr, service: token.service, ttlMs, now: now() });
      // The workload's certificate, then the CA's own chain: its signing certificate up to the root.
      const chain = [issued.certPem, ...ca.chainPems()].map((pem) => (pem.endsWith("\n") ? pem : `${pem}\n`));
      logger.info(
        {
          tokenId: token.id,
          spiffeId: issued.spiffeId,
          serialNumber: issued.serialNumber,
          notAfter: issued.notAfter.toISOString(),
          peer: call.getPeer(),
        },
        "workload certificate issued",
      );
      return { certChain: chain };
    }),
  };
  return { definition: IstioCertificateServiceService, implementation };
}
