// weft.registry.v1.Registration: the gRPC form of PUT and DELETE /v1/registrations/NODE, served on
// the xDS port beside ADS, because a sidecar is given only its xDS servers. The request is turned
// into the REST body and checked by the same parseRegistration, then written by the same registry.
// A refusal is a gRPC status whose message starts with the WEFT_ code and names every problem's
// field path; the code is also in the trailing metadata key `weft-error-code`.
import { Metadata, type ServerErrorResponse, type ServerUnaryCall, status } from "@grpc/grpc-js";
import type { Logger } from "pino";
import {
  type DeregisterRequest,
  type DeregisterResponse,
  Health,
  type RegisterRequest,
  type RegisterResponse,
  type RegistrationServer,
  RegistrationService,
} from "../../../proto/gen/weft/registry/v1/registration.js";
import { ErrorCode, WeftError } from "../errors.js";
import type { InstanceRegistry } from "./instance-registry.js";
import { checkNodeId, parseRegistration } from "./registration.js";

/** The trailing metadata key holding a refusal's WEFT_ code. */
export const ERROR_CODE_METADATA = "weft-error-code";

/**
 * The gRPC status of each refusal. WEFT_CONFLICT (every entry name the node may take is held by
 * another entry) is ABORTED, not ALREADY_EXISTS: the node's own entry does not exist, and the same
 * call can succeed once another entry frees a name.
 */
const STATUS_OF: Partial<Record<ErrorCode, status>> = {
  [ErrorCode.invalidRegistration]: status.INVALID_ARGUMENT,
  [ErrorCode.invalidName]: status.INVALID_ARGUMENT,
  [ErrorCode.notFound]: status.NOT_FOUND,
  [ErrorCode.conflict]: status.ABORTED,
  [ErrorCode.storeFailed]: status.UNAVAILABLE,
};

/** The REST body's `health` for a request's enum; an unknown number is passed on to be refused at `health`. */
function healthOf(health: Health): string | number | undefined {
  if (health === Health.HEALTH_UNSPECIFIED) return undefined;
  if (health === Health.HEALTHY) return "healthy";
  if (health === Health.UNHEALTHY) return "unhealthy";
  return health;
}

/** The REST body of a RegisterRequest: the same fields, so one check serves both transports. */
function bodyOf(request: RegisterRequest): Record<string, unknown> {
  const health = healthOf(request.health);
  return {
    service: request.service,
    address: request.address,
    ports: request.ports,
    // proto3's 0 is "not given".
    ...(request.port === 0 ? {} : { port: request.port }),
    labels: request.labels,
    ...(health === undefined ? {} : { health }),
  };
}

function statusError(error: unknown, logger: Logger): Partial<ServerErrorResponse> {
  const metadata = new Metadata();
  const code = error instanceof WeftError ? STATUS_OF[error.code] : undefined;
  if (!(error instanceof WeftError) || code === undefined) {
    logger.error({ err: error }, "registration call failed");
    metadata.set(ERROR_CODE_METADATA, ErrorCode.internal);
    return { code: status.INTERNAL, details: `${ErrorCode.internal}: internal error`, metadata };
  }
  metadata.set(ERROR_CODE_METADATA, error.code);
  const problems = error.details.map((detail) => `${detail.path}: ${detail.message}`);
  return {
    code,
    details: `${error.code}: ${error.message}${problems.length > 0 ? ` (${problems.join("; ")})` : ""}`,
    metadata,
  };
}

/** Answers a unary call with `run`'s result, or with the status its error maps to. */
function unary<Req, Res>(logger: Logger, run: (request: Req) => Promise<Res>) {
  return (
    call: ServerUnaryCall<Req, Res>,
    callback: (error: Partial<ServerErrorResponse> | null, value?: Res) => void,
  ) => {
    run(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => callback(statusError(error, logger)),
    );
  };
}

/** The service definition and its implementation over `registry`, for the xDS server to add. */
export function registrationService(
  registry: Pick<InstanceRegistry, "register" | "deregister">,
  logger: Logger,
): { readonly definition: typeof RegistrationService; readonly implementation: RegistrationServer } {
  const implementation: RegistrationServer = {
    register: unary(logger, async (request: RegisterRequest): Promise<RegisterResponse> => {
      const nodeId = checkNodeId(request.nodeId, "node_id");
      const registration = parseRegistration(nodeId, bodyOf(request));
      const result = await registry.register(registration);
      logger.info(
        { nodeId, entry: result.name, revision: result.revision, health: registration.health, changed: result.changed },
        "instance registered",
      );
      return { nodeId, name: result.name, revision: result.revision, changed: result.changed };
    }),
    deregister: unary(logger, async (request: DeregisterRequest): Promise<DeregisterResponse> => {
      const nodeId = checkNodeId(request.nodeId, "node_id");
      const removed = await registry.deregister(nodeId);
      if (removed === undefined)
        throw new WeftError(ErrorCode.notFound, `node ${JSON.stringify(nodeId)} is not registered`);
      logger.info({ nodeId, entry: removed.name, revision: removed.revision }, "instance deregistered");
      return { nodeId, name: removed.name, revision: removed.revision };
    }),
  };
  return { definition: RegistrationService, implementation };
}
