// The control plane's own unary gRPC services on the xDS port (registration, certificates): each
// answers with its result or with a gRPC status chosen from the WeftError's code. A refusal's
// message starts with the WEFT_ code and names every problem's field path; the code is also in
// the trailing metadata key ERROR_CODE_METADATA. Anything that is not a known refusal is logged
// and answered INTERNAL without its message.
import {
  status as grpcStatus,
  Metadata,
  type ServerErrorResponse,
  type ServerUnaryCall,
  type status,
} from "@grpc/grpc-js";
import type { Logger } from "pino";
import { ErrorCode, WeftError } from "./errors.js";

/** The trailing metadata key holding a refusal's WEFT_ code. */
export const ERROR_CODE_METADATA = "weft-error-code";

/** Which gRPC status each WEFT_ code a service may refuse with gets. */
export type StatusTable = Partial<Record<ErrorCode, status>>;

/** The gRPC error for `error`: its status from `statusOf`, or INTERNAL (logged) for anything else. */
export function statusError(error: unknown, statusOf: StatusTable, logger: Logger): Partial<ServerErrorResponse> {
  const metadata = new Metadata();
  const code = error instanceof WeftError ? statusOf[error.code] : undefined;
  if (!(error instanceof WeftError) || code === undefined) {
    logger.error({ err: error }, "gRPC call failed");
    metadata.set(ERROR_CODE_METADATA, ErrorCode.internal);
    return { code: grpcStatus.INTERNAL, details: `${ErrorCode.internal}: internal error`, metadata };
  }
  metadata.set(ERROR_CODE_METADATA, error.code);
  const problems = error.details.map((detail) => `${detail.path}: ${detail.message}`);
  return {
    code,
    details: `${error.code}: ${error.message}${problems.length > 0 ? ` (${problems.join("; ")})` : ""}`,
    metadata,
  };
}

/** A unary handler answering with `run`'s result, or with the status its error maps to. */
export function unary<Req, Res>(
  logger: Logger,
  statusOf: StatusTable,
  run: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
) {
  return (
    call: ServerUnaryCall<Req, Res>,
    callback: (error: Partial<ServerErrorResponse> | null, value?: Res) => void,
  ) => {
    run(call.request, call).then(
      (response) => callback(null, response),
      (error: unknown) => callback(statusError(error, statusOf, logger)),
    );
  };
}
