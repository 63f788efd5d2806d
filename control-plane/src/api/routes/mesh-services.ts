// GET /v1/mesh/services[/NAME]: what operators see of each Service, read from one store state
// with the compiler's own functions (docs/mesh.md, "Operators (built)"): ports, endpoints healthy/total,
// attached routes; for one Service also its rules with backends and shares, DestinationRule,
// endpoints, the connected sidecars that may call it and the compile issues concerning it.
// `weft get services` and `weft describe service` print these; the stored documents stay at
// /v1/resources/services.
import { type Static, Type } from "typebox";
import { ErrorCode, WeftError } from "../../errors.js";
import {
  compileOutbound,
  type MeshState,
  meshStateOf,
  peerAuthenticationIssues,
  type StoredMeshDocument,
} from "../../mesh/compiler/index.js";
import { isMeshKindName, type MeshDocument } from "../../mesh/index.js";
import { type SidecarCaller, serviceDetail, serviceSummaries } from "../../mesh/service-summary.js";
import { sidecarOf } from "../../snapshot/sidecar-node.js";
import type { StoreState } from "../../store/config-store.js";
import type { ApiApp, ApiContext } from "../api-context.js";
import { nameParam } from "../resource-input.js";
import { ERROR_RESPONSES } from "../schemas.js";

const TAGS = ["mesh"];

const Revision = Type.Integer({ minimum: 0 });

const PortSchema = Type.Object({
  name: Type.Optional(Type.String()),
  port: Type.Integer(),
  appProtocol: Type.String({ description: "http when the Service leaves it out." }),
  cluster: Type.String({ description: "The compiled Cluster (and ClusterLoadAssignment) of this port." }),
});

const RouteRefSchema = Type.Object({
  kind: Type.Union([Type.Literal("httproutes"), Type.Literal("grpcroutes")]),
  name: Type.String(),
});

const SummaryFields = {
  name: Type.String(),
  version: Type.String({ description: "The stored Service's xDS-style content version." }),
  revision: Type.Integer({ minimum: 0, description: "The store revision that last wrote the Service." }),
  ports: Type.Array(PortSchema),
  endpoints: Type.Object(
    { healthy: Type.Integer({ minimum: 0 }), total: Type.Integer({ minimum: 0 }) },
    {
      description:
        "Over the WorkloadEntries the selector picks; healthy: weft.dev/health healthy or absent, as the compiler reads it.",
    },
  ),
  routes: Type.Array(RouteRefSchema, { description: "HTTPRoutes then GRPCRoutes whose parentRefs name the Service." }),
};

const ServiceSummarySchema = Type.Object(SummaryFields);

const MeshServicesResponse = Type.Object({
  revision: Revision,
  services: Type.Array(ServiceSummarySchema, { description: "In name order." }),
});

const ValueJson = Type.Unknown();

const ServiceDetailSchema = Type.Object({
  ...SummaryFields,
  selector: Type.Record(Type.String(), Type.String()),
  attachedRoutes: Type.Array(
    Type.Object({
      kind: RouteRefSchema.properties.kind,
      name: Type.String(),
      ports: Type.Array(Type.Integer(), { description: "The Service ports it attaches to." }),
      rules: Type.Array(
        Type.Object({
          matches: Type.Array(Type.String(), { description: "One line per match; empty: every request." }),
          backends: Type.Array(
            Type.Object({
              service: Type.String(),
              port: Type.Integer(),
              weight: Type.Integer({ minimum: 0 }),
              share: Type.Number({ description: "0 to 1: the backend's part of the rule's traffic as compiled." }),
              missing: Type.Boolean({ description: "No such Service or port: the compiler leaves it out." }),
            }),
          ),
          filters: Type.Array(Type.String()),
          timeouts: Type.Optional(ValueJson),
          retry: Type.Optional(ValueJson),
        }),
      ),
    }),
  ),
  destinationRule: Type.Union([Type.Null(), Type.Object({ name: Type.String(), trafficPolicy: ValueJson })]),
  peerAuthentication: Type.Union([
    Type.Null(),
    Type.Object({ name: Type.String(), mode: Type.String(), meshWide: Type.Boolean() }),
  ]),
  endpointList: Type.Array(
    Type.Object({
      entry: Type.String({ description: "The WorkloadEntry's name." }),
      address: Type.String(),
      ports: Type.Record(Type.String(), Type.Integer()),
      health: Type.Union([Type.Literal("HEALTHY"), Type.Literal("UNHEALTHY"), Type.Literal("DRAINING")]),
      locality: Type.String(),
      weight: Type.Integer(),
      registeredBy: Type.Union([Type.String(), Type.Null()], {
        description: "The node id of the sidecar that registered it; null for an entry written by hand.",
      }),
    }),
  ),
  callers: Type.Array(
    Type.Object({
      nodeId: Type.String(),
      service: Type.String(),
      restricted: Type.Boolean({
        description: "True when it names its dependencies; false: it may call every Service.",
      }),
    }),
    { description: "Connected sidecars that may call this Service." },
  ),
  issues: Type.Array(
    Type.Object({ kind: Type.String(), name: Type.String(), path: Type.String(), message: Type.String() }),
    { description: "What the compiler left out, in documents concerning this Service." },
  ),
});

const MeshServiceResponse = Type.Object({ revision: Revision, service: ServiceDetailSchema });

export type MeshServicesResponse = Static<typeof MeshServicesResponse>;
export type MeshServiceResponse = Static<typeof MeshServiceResponse>;

const ServiceParams = Type.Object({ name: Type.String() });

type Stored = ReadonlyMap<string, { readonly version: string; readonly revision: number }>;

/** The mesh documents of one store state, as the snapshot builder reads them, and each Service's stored version. */
function meshOf(state: StoreState): { mesh: MeshState; services: Stored } {
  const documents: StoredMeshDocument[] = [];
  const services = new Map<string, { version: string; revision: number }>();
  for (const resource of state.resources) {
    if (!isMeshKindName(resource.kind)) continue;
    documents.push({ kind: resource.kind, document: JSON.parse(resource.json) as MeshDocument });
    if (resource.kind === "services")
      services.set(resource.name, { version: resource.version, revision: resource.modRevision });
  }
  return { mesh: meshStateOf(documents), services };
}

/** The connected sidecars (one per node id), as their node metadata describes them. */
function connectedSidecars(context: ApiContext): SidecarCaller[] {
  const byNode = new Map<string, SidecarCaller>();
  for (const proxy of context.proxies.proxies()) {
    const sidecar = sidecarOf(proxy.metadata);
    if (sidecar !== undefined)
      byNode.set(proxy.nodeId, { nodeId: proxy.nodeId, service: sidecar.service, depends: sidecar.depends });
  }
  return [...byNode.values()];
}

export function registerMeshServiceRoutes(app: ApiApp, context: ApiContext): void {
  app.get(
    "/v1/mesh/services",
    {
      schema: {
        summary: "Every Service with its ports, endpoints (healthy/total) and attached routes",
        tags: TAGS,
        response: { 200: MeshServicesResponse, ...ERROR_RESPONSES },
      },
    },
    async (): Promise<MeshServicesResponse> => {
      const state = await context.store.current();
      const { mesh, services } = meshOf(state);
      return {
        revision: state.revision,
        services: serviceSummaries(mesh).map((summary) => ({
          ...summary,
          ...(services.get(summary.name) ?? { version: "", revision: 0 }),
        })),
      };
    },
  );

  app.get(
    "/v1/mesh/services/:name",
    {
      schema: {
        summary: "One Service as compiled: rules and backends, DestinationRule, endpoints, callers, issues",
        description: "A name no Service has is 404 WEFT_NOT_FOUND.",
        tags: TAGS,
        params: ServiceParams,
        response: { 200: MeshServiceResponse, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<MeshServiceResponse> => {
      const name = nameParam(request.params.name);
      const state = await context.store.current();
      const { mesh, services } = meshOf(state);
      const stored = services.get(name);
      if (stored === undefined || !mesh.services.has(name))
        throw new WeftError(ErrorCode.notFound, `services/${name} does not exist`);
      // The whole mesh compiled, as the snapshot builder does for its issues: one Service's issues
      // may come from a route or entry compiled for another's view.
      const issues = [...compileOutbound(mesh).issues];
      peerAuthenticationIssues(mesh, issues);
      const detail = serviceDetail(mesh, name, issues, connectedSidecars(context));
      if (detail === undefined) throw new WeftError(ErrorCode.notFound, `services/${name} does not exist`);
      return { revision: state.revision, service: { ...detail, ...stored } };
    },
  );
}
