// What a sidecar tells the control plane about its instance (PUT /v1/registrations/NODE), checked
// with a field path for every problem, and the WorkloadEntry the registry keeps for it: the
// instance's labels plus `app=SERVICE`, its address and ports, and two annotations, the node that
// registered it (REGISTERED_BY_ANNOTATION, which also marks it as the registry's) and its health.

import { type Static, type TSchema, Type } from "typebox";
import { Compile } from "typebox/compile";
import { ErrorCode, type ErrorDetail, ValidationCode, WeftError } from "../errors.js";
import { IDENTITY_ANNOTATION } from "../mesh/compiler/mtls.js";
import {
  HEALTH_ANNOTATION,
  type MeshDocument,
  type ParsedMeshDocument,
  PORT_ANNOTATION,
  parseMeshDocument,
  REGISTERED_BY_ANNOTATION,
  type SchemaError,
  schemaDetails,
  workloadEntryKind,
} from "../mesh/index.js";
import { checkResourceName } from "../resources/index.js";

export { HEALTH_ANNOTATION } from "../mesh/index.js";

/** The label every registered instance carries: the service it belongs to. */
export const SERVICE_LABEL = "app";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const RegistrationBody = Type.Object(
  {
    service: Type.String({ description: "The Service this instance belongs to; it gets the label app=SERVICE." }),
    address: Type.String({ description: "Where other sidecars reach the instance: an IP address or host name." }),
    ports: Type.Optional(
      Type.Record(Type.String(), Type.Integer({ minimum: 1, maximum: 65535 }), {
        description: "Port name to port number, as a WorkloadEntry's spec.ports.",
      }),
    ),
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        description:
          "The one port every Service port of the instance reaches (a sidecar's inbound listener), for the Service ports `ports` does not name.",
      }),
    ),
    labels: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: "More labels (version=v2); app is the service's." }),
    ),
    health: Type.Optional(
      Type.Enum(["healthy", "unhealthy"], { description: "The instance's health (default healthy)." }),
    ),
  },
  { additionalProperties: false },
);

export type HealthState = "healthy" | "unhealthy";

export interface Registration {
  readonly nodeId: string;
  readonly service: string;
  readonly address: string;
  readonly ports: Readonly<Record<string, number>>;
  /** The port for every Service port `ports` does not name (a sidecar's inbound listener), if any. */
  readonly port?: number;
  /** Every label of the instance, `app` included. */
  readonly labels: Readonly<Record<string, string>>;
  readonly health: HealthState;
  /**
   * The service the registering call proved with a join token: the instance holds a workload
   * certificate of it and takes mTLS (IDENTITY_ANNOTATION).
   */
  readonly identity?: string | undefined;
}

/**
 * `nodeId` if it can be a node id (a resource name: 1 to 253 printable ASCII characters without
 * '/' or spaces), else WeftError INVALID_NAME with the problem at `path` (`node` in the REST URL,
 * `node_id` in the gRPC request).
 */
export function checkNodeId(nodeId: string, path: string): string {
  const problem = checkResourceName(nodeId, path);
  if (problem) {
    throw new WeftError(ErrorCode.invalidName, `invalid node id ${JSON.stringify(nodeId)}`, { details: [problem] });
  }
  return nodeId;
}

/** Compiled on first use: the CLI imports the schema for nothing else. */
let compiled: { Check(value: unknown): boolean; Errors(value: unknown): Iterable<SchemaError> } | undefined;

/**
 * `body` as the registration of node `nodeId`, or WeftError INVALID_REGISTRATION listing every
 * problem at its path in the body (`labels["app"]`, `ports["http"]`, `address`).
 */
export function parseRegistration(nodeId: string, body: unknown): Registration {
  compiled ??= Compile(RegistrationBody as TSchema);
  const validator = compiled;
  if (!validator.Check(body)) throw invalid(schemaDetails(RegistrationBody, validator.Errors(body)));
  const given = body as Static<typeof RegistrationBody>;
  const details: ErrorDetail[] = [];
  if (!DNS_LABEL.test(given.service) || given.service.length > 63) {
    details.push({
      path: "service",
      code: ValidationCode.badValue,
      message: "must be a Service name: a DNS-1123 label of at most 63 lower-case letters, digits and '-'",
    });
  }
  const app = given.labels?.[SERVICE_LABEL];
  if (app !== undefined && app !== given.service) {
    details.push({
      path: `labels[${JSON.stringify(SERVICE_LABEL)}]`,
      code: ValidationCode.conflict,
      message: `is the service's label: leave it out or make it "${given.service}"`,
    });
  }
  if (details.length > 0) throw invalid(details);
  const registration: Registration = {
    nodeId,
    service: given.service,
    address: given.address,
    ports: given.ports ?? {},
    ...(given.port === undefined ? {} : { port: given.port }),
    labels: { ...given.labels, [SERVICE_LABEL]: given.service },
    health: (given.health ?? "healthy") as HealthState,
  };
  // The entry's own checks (address, label syntax, port names), under the body's paths.
  try {
    workloadEntryOf(registration, "registration");
  } catch (error) {
    if (!(error instanceof WeftError) || error.code !== ErrorCode.invalidResource) throw error;
    throw invalid(error.details.map((detail) => ({ ...detail, path: detail.path.replace(/^spec\./, "") })));
  }
  return registration;
}

/** The WorkloadEntry named `name` that holds `registration`, validated and in canonical JSON. */
export function workloadEntryOf(registration: Registration, name: string): ParsedMeshDocument<"workloadentries"> {
  const document: MeshDocument = {
    apiVersion: workloadEntryKind.apiVersion,
    kind: workloadEntryKind.kind,
    metadata: {
      name,
      annotations: {
        [REGISTERED_BY_ANNOTATION]: registration.nodeId,
        [HEALTH_ANNOTATION]: registration.health,
        ...(registration.port === undefined ? {} : { [PORT_ANNOTATION]: String(registration.port) }),
        ...(registration.identity === undefined ? {} : { [IDENTITY_ANNOTATION]: registration.identity }),
      },
    },
    spec: {
      address: registration.address,
      labels: registration.labels,
      ...(Object.keys(registration.ports).length > 0 ? { ports: registration.ports } : {}),
    },
  };
  return parseMeshDocument("workloadentries", document);
}

/** The node that registered a stored WorkloadEntry (its canonical JSON), or undefined for one written by hand. */
export function registeredNodeOf(json: string): string | undefined {
  const document = JSON.parse(json) as { metadata?: { annotations?: Record<string, unknown> } };
  const node = document.metadata?.annotations?.[REGISTERED_BY_ANNOTATION];
  return typeof node === "string" ? node : undefined;
}

/** The service (its `app` label) of a stored WorkloadEntry (its canonical JSON), if it has one. */
export function registeredServiceOf(json: string): string | undefined {
  const document = JSON.parse(json) as { spec?: { labels?: Record<string, unknown> } };
  const app = document.spec?.labels?.[SERVICE_LABEL];
  return typeof app === "string" ? app : undefined;
}

function invalid(details: readonly ErrorDetail[]): WeftError {
  const [first] = details;
  return new WeftError(
    ErrorCode.invalidRegistration,
    `invalid registration: ${first?.path}: ${first?.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ""}`,
    { details },
  );
}
