// Who may use the TLS xDS port (main.ts gives it to that port's XdsServer; the plaintext port has
// none and admits everyone, as before):
// - every call needs a client certificate chaining to the mesh root (UNAUTHENTICATED,
//   WEFT_CERTIFICATE_REQUIRED), except CreateCertificate, which a sidecar calls before it has one
//   and which its join token authenticates, and grpc.health.v1 and reflection, which reveal nothing;
// - a discovery stream's node must match the certificate (node-identity.ts): PERMISSION_DENIED,
//   WEFT_IDENTITY_MISMATCH, logged at warn with the node id, the claimed service and the identity.
// Registration checks its own claim against the certificate (registry/registration-service.ts).
import { Metadata, type ServerErrorResponse, status } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { IstioCertificateServiceService } from "../../../proto/gen/istio/v1/auth/ca.js";
import { ErrorCode } from "../errors.js";
import type { ConnectionNode } from "../status/registry.js";
import { ERROR_CODE_METADATA } from "../unary-calls.js";
import { checkNodeIdentity } from "./node-identity.js";
import { type PeerCall, peerIdentityOf } from "./peer-identity.js";

/** A call or stream refused before it runs. */
export interface Refusal {
  readonly status: status;
  readonly code: ErrorCode;
  readonly message: string;
}

export interface XdsAdmission {
  /** Checked before a call of method `path` (`/SERVICE/METHOD`) runs: its refusal, or undefined. */
  call(path: string, call: PeerCall): Refusal | undefined;
  /** Checked when a discovery stream's first request names its node: its refusal, or undefined. */
  node(node: ConnectionNode, call: PeerCall): Refusal | undefined;
}

/** Methods that run without a client certificate. */
const OPEN_METHODS: ReadonlySet<string> = new Set([IstioCertificateServiceService.createCertificate.path]);

/** The TLS port's rules for the mesh of `trustDomain`. */
export function meshIdentityAdmission(options: {
  readonly trustDomain: string;
  readonly logger: Logger;
}): XdsAdmission {
  const { trustDomain, logger } = options;
  return {
    call: (path, call) => {
      if (OPEN_METHODS.has(path) || peerIdentityOf(call) !== undefined) return undefined;
      logger.info({ method: path, peer: call.getPeer() }, "call without a client certificate refused");
      return {
        status: status.UNAUTHENTICATED,
        code: ErrorCode.certificateRequired,
        message:
          "this port needs a client certificate from the mesh CA (get one with CreateCertificate and a join token)",
      };
    },
    node: (node, call) => {
      const peer = peerIdentityOf(call);
      if (peer === undefined) {
        return {
          status: status.UNAUTHENTICATED,
          code: ErrorCode.certificateRequired,
          message: "no client certificate",
        };
      }
      const mismatch = checkNodeIdentity(node, peer.spiffeId, trustDomain);
      if (mismatch === undefined) return undefined;
      logger.warn(
        {
          nodeId: node.id,
          claimedService: mismatch.claimedService,
          identity: peer.spiffeId ?? null,
          serialNumber: peer.serialNumber,
          peer: call.getPeer(),
        },
        "node refused: its certificate's identity does not match",
      );
      return { status: status.PERMISSION_DENIED, code: mismatch.code, message: mismatch.message };
    },
  };
}

/** A refusal as grpc-js sends it: the status, `CODE: message`, and the code in ERROR_CODE_METADATA. */
export function refusalStatus(refusal: Refusal): Partial<ServerErrorResponse> & { code: status; details: string } {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_METADATA, refusal.code);
  return { code: refusal.status, details: `${refusal.code}: ${refusal.message}`, metadata };
}
