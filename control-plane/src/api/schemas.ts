// The REST API's wire shapes as TypeBox schemas: they type the handlers, serialize the responses
// (fields not listed here are never sent) and are the OpenAPI document at /openapi.json.
import { type Static, Type } from "typebox";
import { ALL_KINDS } from "../../../proto/index.js";
import { ALL_MESH_KINDS, STORED_KIND_NAMES } from "../mesh/index.js";
import { KIND_NAMES } from "../resources/index.js";

const Revision = Type.Integer({ minimum: 0, description: "A store revision: every write creates the next one." });
const Version = Type.String({ description: "The resource's xDS version: a hash of its canonical JSON." });
const KindName = Type.String({
  description:
    `The resource kind as it appears in paths: Envoy's ${KIND_NAMES.join(", ")}; the mesh's ` +
    `${ALL_MESH_KINDS.map((kind) => `${kind.plural} (${kind.kind}, ${kind.apiVersion})`).join(", ")}.`,
});
const AnyJson = Type.Unknown({
  description:
    "Envoy v3 JSON (proto3 JSON mapping, snake_case field names), or for a mesh kind the Kubernetes-shaped " +
    "document (apiVersion, kind, metadata, spec).",
});

export const ErrorDetailSchema = Type.Object({
  path: Type.String({
    description: 'Field path of the problem, e.g. "virtual_hosts[0].domains[1]"; "" for the whole.',
  }),
  message: Type.String(),
  code: Type.Optional(Type.String({ description: "A finer WEFT_ code for this one problem." })),
  line: Type.Optional(Type.Integer({ description: "1-based line in the body, for syntax errors." })),
  column: Type.Optional(Type.Integer({ description: "1-based column in the body, for syntax errors." })),
  suggestion: Type.Optional(
    Type.String({ description: "For a misspelt field or enum name: the closest name accepted there." }),
  ),
});

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: "A stable WEFT_ code; match on it, not on the message." }),
      message: Type.String(),
      details: Type.Array(ErrorDetailSchema),
    }),
  },
  { description: "Every error the API answers." },
);

const Warnings = Type.Optional(
  Type.Array(ErrorDetailSchema, {
    description: "Accepted, but worth knowing: e.g. a reference to a resource that does not exist yet.",
  }),
);

/** Error responses every route can give, for the OpenAPI document. */
export const ERROR_RESPONSES = { "4xx": ErrorResponse, "5xx": ErrorResponse } as const;

// ---- Parameters

export const KindParams = Type.Object({ kind: KindName });
export const ResourceParams = Type.Object({
  kind: KindName,
  name: Type.String({
    description: "1 to 253 printable ASCII characters without '/' or spaces, percent-encoded in the URL.",
  }),
});
export const RevisionParams = Type.Object({
  revision: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
});

export const ForceQuery = Type.Object({
  force: Type.Optional(Type.Boolean({ description: "Delete even if other resources reference this one." })),
});
export const DryRunQuery = Type.Object({
  dryRun: Type.Optional(Type.Boolean({ description: "Validate only: nothing is stored." })),
});
export const HistoryQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: "Only revisions below this one (paging)." })),
});

export const IfMatchHeaders = Type.Object({
  "if-match": Type.Optional(
    Type.String({
      description:
        "Optimistic concurrency. On a resource: its current revision (0: it must not exist, *: it must exist). " +
        "On /v1/apply and rollback: the store's current revision.",
    }),
  ),
});

// ---- Resources

export const ResourceBody = Type.Unknown({
  description:
    'The resource in Envoy v3 JSON (or YAML with Content-Type: application/yaml). A top-level "@type" is ' +
    "optional and must match KIND; the name in the body (name, or cluster_name for endpoints), if given, must equal NAME.",
});

export const PutResponse = Type.Object({
  kind: KindName,
  name: Type.String(),
  version: Version,
  revision: Type.Integer({
    minimum: 0,
    description: "The revision the write created (for a write that changed nothing: the one holding this content).",
  }),
  warnings: Warnings,
});

export const ResourceResponse = Type.Object({
  kind: KindName,
  name: Type.String(),
  version: Version,
  revision: Type.Integer({ minimum: 0, description: "The revision that last created or replaced the resource." }),
  resource: Type.Unknown({ description: "The stored resource: canonical Envoy v3 JSON." }),
});

export const ResourceListResponse = Type.Object({
  kind: KindName,
  revision: Type.Integer({ minimum: 0, description: "The store revision the list was read at." }),
  items: Type.Array(ResourceResponse, { description: "Sorted by name." }),
});

export const DeleteResponse = Type.Object({
  kind: KindName,
  name: Type.String(),
  revision: Type.Integer({ minimum: 0, description: "The revision the delete created." }),
});

// ---- Apply

export const ApplyBody = Type.Object(
  {
    resources: Type.Array(
      Type.Object({
        kind: Type.String({
          description: `${STORED_KIND_NAMES.join(", ")} (also accepted: ${[...ALL_KINDS.map((kind) => kind.messageName), ...ALL_MESH_KINDS.map((kind) => kind.kind)].join(", ")}).`,
        }),
        resource: AnyJson,
      }),
    ),
  },
  {
    description:
      "JSON: {resources:[{kind, resource}]}. YAML (application/yaml): the same document, or a multi-document " +
      "stream where each document is {kind, resource}, the resource's own fields plus kind (kind: Cluster, name: ...), " +
      "or a mesh document (apiVersion, kind, metadata, spec), which is recognised by its apiVersion.",
  },
);

export const ApplyResponse = Type.Object({
  revision: Type.Integer({
    minimum: 0,
    description: "The revision the apply created; with dryRun, or when nothing changed, the current one.",
  }),
  dryRun: Type.Optional(Type.Boolean()),
  resources: Type.Array(
    Type.Object({
      kind: KindName,
      name: Type.String(),
      version: Version,
      changed: Type.Boolean({ description: "False when the store already held this exact content." }),
    }),
  ),
  warnings: Warnings,
});

// ---- Revisions

const ChangeOp = Type.Union([Type.Literal("put"), Type.Literal("delete")]);

const ChangeAction = Type.Union([Type.Literal("created"), Type.Literal("changed"), Type.Literal("deleted")], {
  description: "What the change did: a put of a resource that did not exist (created) or did (changed), or a delete.",
});

const ChangeSummary = Type.Object({ kind: KindName, name: Type.String(), op: ChangeOp, action: ChangeAction });

export const RevisionSummary = Type.Object({
  revision: Revision,
  time: Type.String({ format: "date-time" }),
  description: Type.String(),
  changes: Type.Array(ChangeSummary),
});

export const RevisionsResponse = Type.Object({
  revisions: Type.Array(RevisionSummary, { description: "Newest first." }),
});

const ResourceState = Type.Union([Type.Null(), Type.Object({ version: Version, resource: AnyJson })]);

export const RevisionResponse = Type.Object({
  revision: Revision,
  time: Type.String({ format: "date-time" }),
  description: Type.String(),
  changes: Type.Array(
    Type.Object({
      kind: KindName,
      name: Type.String(),
      op: ChangeOp,
      action: ChangeAction,
      before: ResourceState,
      after: ResourceState,
      diff: Type.Array(
        Type.Object({
          path: Type.String({ description: 'Field path, "" for the whole resource.' }),
          before: Type.Optional(AnyJson),
          after: Type.Optional(AnyJson),
        }),
        { description: "Field by field: absent before = added, absent after = removed." },
      ),
    }),
  ),
});

export const RollbackResponse = Type.Object({
  revision: Type.Integer({ minimum: 0, description: "The new revision (the current one if nothing differed)." }),
  rolledBackTo: Revision,
  changes: Type.Array(ChangeSummary),
});

// ---- Proxies

const TypeStatusSchema = Type.Object({
  state: Type.Union([Type.Literal("SYNCED"), Type.Literal("STALE"), Type.Literal("NACKED"), Type.Literal("NOT_SENT")]),
  versionSent: Type.String(),
  versionAcked: Type.String(),
  nonce: Type.String(),
  subscribed: Type.Array(Type.String()),
  revision: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description:
      "The latest store revision whose config for this type the proxy runs: it acknowledged what that revision selects for it, or that revision changed nothing it is sent (so an unchanged type advances too). A type holding a rejected version stays at the last revision it ran. null until it runs one.",
  }),
  lastNack: Type.Union([
    Type.Null(),
    Type.Object({
      message: Type.String(),
      at: Type.String({ format: "date-time" }),
      revision: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
        description:
          "The latest store revision whose config for this type the proxy does not run because of this rejection (nothing more is sent for it); null while not known, e.g. while a corrected response is on its way.",
      }),
    }),
  ]),
});

export const ProxiesResponse = Type.Object({
  proxies: Type.Array(
    Type.Object({
      nodeId: Type.String(),
      cluster: Type.String(),
      address: Type.String(),
      connectedAt: Type.String({ format: "date-time" }),
      userAgent: Type.String(),
      revision: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
        description:
          "The lowest revision over its types: the store revision the proxy runs on every type (null if one runs none yet). `weft apply --wait` waits for this to reach the revision the write created.",
      }),
      types: Type.Record(Type.String(), TypeStatusSchema, { description: "By type URL." }),
    }),
  ),
});

export type ProxiesResponse = Static<typeof ProxiesResponse>;

export const NacksQuery = Type.Object({
  node: Type.Optional(Type.String({ minLength: 1, description: "Only this node id's NACKs." })),
  type: Type.Optional(
    Type.Enum(KIND_NAMES, { description: `Only NACKs of this kind's type URL: ${KIND_NAMES.join(", ")}.` }),
  ),
});

export const CaResponse = Type.Object({
  trustDomain: Type.String({ description: "Identities are spiffe://TRUST_DOMAIN/service/NAME." }),
  source: Type.Union([Type.Literal("generated"), Type.Literal("stored"), Type.Literal("operator")], {
    description:
      "generated: the root was made at this start and stored; stored: the root kept in the store; operator: --ca-cert/--ca-key.",
  }),
  rootCertificate: Type.String({ description: "The trust bundle (PEM): the root every workload trusts." }),
  rootSha256: Type.String({ description: "The root's SHA-256 fingerprint, colon-separated hex." }),
  notAfter: Type.String({
    format: "date-time",
    description: "When the CA stops issuing: the earliest expiry along its chain.",
  }),
});
export type CaResponse = Static<typeof CaResponse>;

export const NacksResponse = Type.Object({
  nacks: Type.Array(
    Type.Object({
      nodeId: Type.String(),
      typeUrl: Type.String(),
      version: Type.String({
        description: "version_info of the rejected response (delta: its system version).",
      }),
      versionRejected: Type.String({ description: "The same as version (the field's first name)." }),
      nonce: Type.Optional(Type.String({ description: "The nonce of the rejected response, where known." })),
      message: Type.String({ description: "The proxy's own error_detail message." }),
      at: Type.String({ format: "date-time" }),
    }),
    { description: "Newest first." },
  ),
});

export type NacksResponse = Static<typeof NacksResponse>;

// ---- Operations

export const HealthResponse = Type.Object({ status: Type.Union([Type.Literal("ok"), Type.Literal("unavailable")]) });
