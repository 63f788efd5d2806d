// GET /v1/proxies/NODE/config: what the control plane sends a connected node now, whatever
// produced it: per type URL what the node's subscription selects from its view of the current
// snapshot (node scoping applied, the mesh compiled for a sidecar), each resource as Envoy JSON
// with its version and origin. The
// control plane's side of `weft config-dump` (the proxy's side). The status registry keeps no node
// after its last stream ends, so a node that is not connected is 404 WEFT_NOT_FOUND.
import { type Static, Type } from "typebox";
import { encodeJson, KIND_NAMES, KINDS, type KindName } from "../../../../proto/index.js";
import { ErrorCode, WeftError } from "../../errors.js";
import { nodeScopedViews } from "../../snapshot/node-scope.js";
import { sidecarOf } from "../../snapshot/sidecar-node.js";
import { type Snapshot, type SnapshotResource, type SnapshotView, subscription } from "../../snapshot/snapshot.js";
import type { ProxyStatus } from "../../status/proxy-status.js";
import type { ApiApp, ApiContext, NodeView } from "../api-context.js";
import { ERROR_RESPONSES } from "../schemas.js";

/**
 * Where a resource in a view comes from: `written` through the API (it is in the snapshot itself),
 * `generated` by the mesh compiler for this node's view, `synthetic`: the empty
 * ClusterLoadAssignment Weft sends for an EDS cluster nobody wrote endpoints for.
 */
export type ResourceOrigin = "written" | "generated" | "synthetic";

const ProxyConfigParams = Type.Object({
  node: Type.String({ minLength: 1, description: "The proxy's xDS node id (node.id), percent-encoded in the URL." }),
});

const ProxyConfigQuery = Type.Object({
  type: Type.Optional(Type.Enum(KIND_NAMES, { description: `Only one kind: ${KIND_NAMES.join(", ")}.` })),
});

const ConfigResource = Type.Object({
  name: Type.String(),
  version: Type.String({ description: "The resource's own content version (delta's Resource.version)." }),
  origin: Type.Union([Type.Literal("written"), Type.Literal("generated"), Type.Literal("synthetic")], {
    description:
      "written: stored through the API; generated: compiled from mesh documents for this node; synthetic: the empty assignment of an EDS cluster without written endpoints.",
  }),
  generated: Type.Boolean({ description: "True unless origin is written: the control plane made it." }),
  resource: Type.Unknown({
    description: "The resource as Envoy v3 JSON (canonical: proto field names, defaults left out).",
  }),
});

const ProxyConfigResponse = Type.Object({
  nodeId: Type.String(),
  revision: Type.Integer({ minimum: 0, description: "The store revision of the snapshot the view is taken from." }),
  node: Type.Object({
    cluster: Type.String(),
    userAgent: Type.String(),
    connectedAt: Type.String({ format: "date-time" }),
    sidecar: Type.Union(
      [
        Type.Null(),
        Type.Object({
          service: Type.String(),
          depends: Type.Union([Type.Array(Type.String()), Type.Null()], {
            description: "The Services it may call; null: every Service.",
          }),
          outbound: Type.String({ description: "HOST:PORT of its outbound listener." }),
          inbound: Type.Union([Type.String(), Type.Null()], { description: "HOST:PORT of its inbound listener." }),
          app: Type.Union([Type.String(), Type.Null()]),
        }),
      ],
      { description: "What its node metadata (weft.role sidecar) says; null for any other proxy." },
    ),
  }),
  types: Type.Record(
    Type.String(),
    Type.Object({
      kind: Type.String(),
      subscribed: Type.Union([Type.Array(Type.String()), Type.Null()], {
        description:
          'The names the node subscribed to (["*"]: wildcard); null when it has not asked for the type yet, and the resources are what a wildcard request would get.',
      }),
      version: Type.String({
        description: "version_info of the resources listed, as the node's subscription is sent them.",
      }),
      resources: Type.Array(ConfigResource, { description: "In name order." }),
    }),
    { description: "By type URL." },
  ),
});

export type ProxyConfigResponse = Static<typeof ProxyConfigResponse>;

function originOf(resource: SnapshotResource, snapshot: Snapshot, typeUrl: string): ResourceOrigin {
  // Views add compiled resources on top of the snapshot's own objects: anything else is compiled.
  if (snapshot.resources(typeUrl).get(resource.name) !== resource) return "generated";
  return resource.synthetic ? "synthetic" : "written";
}

function hostPort(address: { readonly host: string; readonly port: number } | undefined): string | null {
  if (address === undefined) return null;
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function nodeSummary(proxy: ProxyStatus): ProxyConfigResponse["node"] {
  const sidecar = sidecarOf(proxy.metadata);
  return {
    cluster: proxy.cluster,
    userAgent: proxy.userAgent,
    connectedAt: proxy.connectedAt,
    sidecar:
      sidecar === undefined
        ? null
        : {
            service: sidecar.service,
            depends: sidecar.depends === undefined ? null : [...sidecar.depends],
            outbound: hostPort(sidecar.outbound) ?? "",
            inbound: hostPort(sidecar.inbound?.listen),
            app: hostPort(sidecar.inbound?.app),
          },
  };
}

/**
 * What the node's subscription to `kind` selects from its view: what it is sent. A type it has not
 * asked for shows what a wildcard request would get (what Envoy and Weft proxies ask for listeners
 * and clusters); names-only resources (gRPC proxyless listeners) appear only when subscribed by name.
 */
function typeOf(
  view: SnapshotView,
  snapshot: Snapshot,
  kind: KindName,
  subscribed: readonly string[] | undefined,
): ProxyConfigResponse["types"][string] {
  const { typeUrl, typeName } = KINDS[kind];
  const wildcard = subscribed === undefined || subscribed.includes("*");
  const selection = view.select(
    typeUrl,
    subscription(
      wildcard,
      (subscribed ?? []).filter((name) => name !== "*"),
    ),
  );
  return {
    kind,
    subscribed: subscribed === undefined ? null : [...subscribed],
    version: selection.version,
    resources: selection.resources.map((resource) => {
      const origin = originOf(resource, snapshot, typeUrl);
      return {
        name: resource.name,
        version: resource.version,
        origin,
        generated: origin !== "written",
        resource: encodeJson(typeName, resource.message),
      };
    }),
  };
}

export function registerProxyConfigRoutes(app: ApiApp, context: ApiContext): void {
  const view: NodeView = context.view ?? nodeScopedViews();
  app.get(
    "/v1/proxies/:node/config",
    {
      schema: {
        summary: "What the control plane sends one connected proxy now, written and generated",
        description:
          "Per type URL, the resources of the node's view of the current snapshot as Envoy JSON. A node with no " +
          "xDS stream to this control plane is 404 WEFT_NOT_FOUND; ?type=KIND keeps one kind (an unknown kind is " +
          "400 WEFT_BAD_REQUEST).",
        tags: ["proxies"],
        params: ProxyConfigParams,
        querystring: ProxyConfigQuery,
        response: { 200: ProxyConfigResponse, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<ProxyConfigResponse> => {
      const { node } = request.params;
      // Sorted by node id then connection time: the newest stream of the node says what it is now.
      const proxy = context.proxies
        .proxies()
        .filter((p) => p.nodeId === node)
        .at(-1);
      if (proxy === undefined)
        throw new WeftError(ErrorCode.notFound, `node ${JSON.stringify(node)} has no xDS stream to this control plane`);
      const snapshot = context.snapshots?.current();
      if (snapshot === undefined) throw new WeftError(ErrorCode.notFound, "no snapshot has been built yet");
      const nodeView = view(
        {
          id: proxy.nodeId,
          cluster: proxy.cluster,
          metadata: proxy.metadata,
          userAgent: proxy.userAgent,
          raw: undefined,
        },
        snapshot,
      );
      const kinds = request.query.type === undefined ? KIND_NAMES : [request.query.type];
      const types: ProxyConfigResponse["types"] = {};
      for (const kind of kinds) {
        const { typeUrl } = KINDS[kind];
        types[typeUrl] = typeOf(nodeView, snapshot, kind, proxy.types[typeUrl]?.subscribed);
      }
      return { nodeId: proxy.nodeId, revision: nodeView.revision, node: nodeSummary(proxy), types };
    },
  );
}
