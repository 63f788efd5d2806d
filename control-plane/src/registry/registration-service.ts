// weft.registry.v1.Registration: the gRPC form of PUT and DELETE /v1/registrations/NODE, served on
// the xDS port beside ADS, because a sidecar is given only its xDS servers. The request is turned
// into the REST body and checked by the same parseRegistration, then written by the same registry.
// A refusal is a gRPC status whose message starts with the WEFT_ code and names every problem's
// field path; the code is also in the trailing metadata key `weft-error-code` (unary-calls.ts).
import { type ServerUnaryCall, status } from "@grpc/grpc-js";
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
import type { JoinTokens } from "../ca/join-tokens.js";
import { ErrorCode, WeftError } from "../errors.js";
import { bearerOf } from "../tokens/bearer.js";
import { type StatusTable, unary } from "../unary-calls.js";
import { serviceOfIdentity } from "../xds/node-identity.js";
import { peerIdentityOf } from "../xds/peer-identity.js";
import type { InstanceRegistry } from "./instance-registry.js";
import { checkNodeId, parseRegistration, registeredServiceOf } from "./registration.js";

/**
 * The gRPC status of each refusal. WEFT_CONFLICT (every entry name the node may take is held by
 * another entry) is ABORTED, not ALREADY_EXISTS: the node's own entry does not exist, and the same
 * call can succeed once another entry frees a name.
 */
const STATUS_OF: StatusTable = {
  [ErrorCode.unauthorized]: status.UNAUTHENTICATED,
  [ErrorCode.tokenInvalid]: status.UNAUTHENTICATED,
  [ErrorCode.forbidden]: status.PERMISSION_DENIED,
  [ErrorCode.identityMismatch]: status.PERMISSION_DENIED,
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

/**
 * Who may register what on the xDS port. A call carrying a join token (`authorization: Bearer
 * weft.ID.SECRET`) may register and deregister instances of the token's service only, and may not
 * take over a node whose entry is another service's (PERMISSION_DENIED, WEFT_FORBIDDEN). With
 * `required`, a call without a token is UNAUTHENTICATED (WEFT_UNAUTHORIZED); without it, such a
 * call is taken as before (loopback development, until every sidecar has a token). On the TLS
 * xDS port the client certificate proves the service instead (a token sent along is not read),
 * and the same refusals are WEFT_IDENTITY_MISMATCH.
 */
export interface RegistrationAuth {
  readonly tokens: Pick<JoinTokens, "verify">;
  readonly required: boolean;
  /**
   * The mesh's trust domain. On the TLS xDS port a call comes with a client certificate from the
   * mesh CA (admission.ts refuses it otherwise): its workload identity in this trust domain proves
   * the service instead of a join token, and a refusal is WEFT_IDENTITY_MISMATCH.
   */
  readonly trustDomain?: string | undefined;
}

/** What proved the caller's service: a client certificate or a join token. */
interface Proof {
  readonly service: string;
  readonly by: "certificate" | "token";
  /** The certificate's SPIFFE ID, for a certificate. */
  readonly identity?: string | undefined;
}

/** The service a call's certificate or join token proves, undefined when it has neither (and none is required). */
async function provenService(
  call: ServerUnaryCall<unknown, unknown>,
  auth: RegistrationAuth | undefined,
): Promise<Proof | undefined> {
  const peer = peerIdentityOf(call);
  if (peer !== undefined) {
    const service = serviceOfIdentity(peer.spiffeId, auth?.trustDomain ?? "");
    if (service === undefined) {
      throw new WeftError(
        ErrorCode.identityMismatch,
        `${peer.spiffeId ?? "a certificate without a SPIFFE ID"} is not a workload identity of this mesh`,
        { details: [{ path: "certificate", message: "not a workload identity of this mesh" }] },
      );
    }
    return { service, by: "certificate", identity: peer.spiffeId };
  }
  const bearer = bearerOf(call.metadata.get("authorization")[0]);
  if (bearer === undefined) {
    if (auth?.required !== true) return undefined;
    throw new WeftError(ErrorCode.unauthorized, "registering needs a join token (authorization: Bearer TOKEN)", {
      details: [{ path: "authorization", message: "no bearer token" }],
    });
  }
  if (auth === undefined) throw new WeftError(ErrorCode.tokenInvalid, "this control plane checks no join tokens");
  return { service: (await auth.tokens.verify(bearer)).service, by: "token" };
}

/** Refuses a call whose token is for another service than `service` or than the node's current entry's. */
async function checkClaim(
  registry: Pick<InstanceRegistry, "entryOf">,
  nodeId: string,
  proof: Proof | undefined,
  service: string | undefined,
): Promise<void> {
  if (proof === undefined) return;
  const proven = proof.service;
  const code = proof.by === "certificate" ? ErrorCode.identityMismatch : ErrorCode.forbidden;
  const what = proof.by === "certificate" ? `a certificate for ${proof.identity}` : `a join token for ${proven}`;
  if (service !== undefined && service !== proven) {
    throw new WeftError(code, `${what} may not register service ${service}`, {
      details: [{ path: "service", message: `the ${proof.by} proves ${proven}` }],
    });
  }
  const existing = await registry.entryOf(nodeId);
  const held = existing === undefined ? undefined : registeredServiceOf(existing.json);
  if (held !== undefined && held !== proven) {
    throw new WeftError(code, `node ${JSON.stringify(nodeId)} is registered for ${held}, not ${proven}`, {
      details: [{ path: "node_id", message: `held by service ${held}` }],
    });
  }
}

/** Logs a claim a certificate refused (WEFT_IDENTITY_MISMATCH) at warn, as the discovery streams' check does. */
async function warnMismatch(
  logger: Logger,
  nodeId: string,
  claimedService: string | undefined,
  proof: Proof | undefined,
  check: Promise<void>,
): Promise<void> {
  try {
    await check;
  } catch (error) {
    if (error instanceof WeftError && error.code === ErrorCode.identityMismatch) {
      logger.warn(
        { nodeId, claimedService: claimedService ?? null, identity: proof?.identity ?? null },
        "registration refused: its certificate's identity does not match",
      );
    }
    throw error;
  }
}

/** The service definition and its implementation over `registry`, for the xDS server to add. */
export function registrationService(
  registry: Pick<InstanceRegistry, "register" | "deregister" | "entryOf">,
  logger: Logger,
  auth?: RegistrationAuth,
): { readonly definition: typeof RegistrationService; readonly implementation: RegistrationServer } {
  const implementation: RegistrationServer = {
    register: unary(logger, STATUS_OF, async (request: RegisterRequest, call): Promise<RegisterResponse> => {
      const proof = await provenService(call, auth);
      const nodeId = checkNodeId(request.nodeId, "node_id");
      const parsed = parseRegistration(nodeId, bodyOf(request));
      await warnMismatch(logger, nodeId, parsed.service, proof, checkClaim(registry, nodeId, proof, parsed.service));
      const registration = proof === undefined ? parsed : { ...parsed, identity: proof.service };
      const result = await registry.register(registration);
      logger.info(
        {
          nodeId,
          entry: result.name,
          revision: result.revision,
          health: registration.health,
          changed: result.changed,
          authenticated: proof !== undefined,
          ...(proof === undefined ? {} : { provenBy: proof.by }),
        },
        "instance registered",
      );
      return { nodeId, name: result.name, revision: result.revision, changed: result.changed };
    }),
    deregister: unary(logger, STATUS_OF, async (request: DeregisterRequest, call): Promise<DeregisterResponse> => {
      const proof = await provenService(call, auth);
      const nodeId = checkNodeId(request.nodeId, "node_id");
      await warnMismatch(logger, nodeId, undefined, proof, checkClaim(registry, nodeId, proof, undefined));
      const removed = await registry.deregister(nodeId);
      if (removed === undefined)
        throw new WeftError(ErrorCode.notFound, `node ${JSON.stringify(nodeId)} is not registered`);
      logger.info({ nodeId, entry: removed.name, revision: removed.revision }, "instance deregistered");
      return { nodeId, name: removed.name, revision: removed.revision };
    }),
  };
  return { definition: RegistrationService, implementation };
}

export { ERROR_CODE_METADATA } from "../unary-calls.js";
