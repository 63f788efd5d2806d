// weft.registry.v1.Registration: the gRPC form of PUT and DELETE /v1/registrations/NODE, served on
// the xDS port beside ADS, because a sidecar is given only its xDS servers. The request is turned
// into the REST body and checked by the same parseRegistration, then written by the same registry.
// A refusal is a gRPC status whose message starts with the WEFT_ code and names every problem's
// field path; the code is also in the trailing metadata key `weft-error-code` (xds/unary-calls.ts).
import { status } from "@grpc/grpc-js";
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
import { type StatusTable, unary } from "../xds/unary-calls.js";
import type { InstanceRegistry } from "./instance-registry.js";
import { checkNodeId, parseRegistration } from "./registration.js";

/**
 * The gRPC status of each refusal. WEFT_CONFLICT (every entry name the node may take is held by
 * another entry) is ABORTED, not ALREADY_EXISTS: the node's own entry does not exist, and the same
 * call can succeed once another entry frees a name.
 */
const STATUS_OF: StatusTable = {
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

/** The service definition and its implementation over `registry`, for the xDS server to add. */
export function registrationService(
  registry: Pick<InstanceRegistry, "register" | "deregister">,
  logger: Logger,
): { readonly definition: typeof RegistrationService; readonly implementation: RegistrationServer } {
  const implementation: RegistrationServer = {
    register: unary(logger, STATUS_OF, async (request: RegisterRequest): Promise<RegisterResponse> => {
      const nodeId = checkNodeId(request.nodeId, "node_id");
      const registration = parseRegistration(nodeId, bodyOf(request));
      const result = await registry.register(registration);
      logger.info(
        { nodeId, entry: result.name, revision: result.revision, health: registration.health, changed: result.changed },
        "instance registered",
      );
      return { nodeId, name: result.name, revision: result.revision, changed: result.changed };
    }),
    deregister: unary(logger, STATUS_OF, async (request: DeregisterRequest): Promise<DeregisterResponse> => {
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

export { ERROR_CODE_METADATA } from "../xds/unary-calls.js";
