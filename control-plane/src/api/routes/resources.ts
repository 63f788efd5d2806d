// /v1/resources/KIND[/NAME]: read, create or replace, and delete one resource at a time.
import { DetailCode, ErrorCode, WeftError } from "../../errors.js";
import type { StoredResource } from "../../store/config-store.js";
import type { ApiApp, ApiContext } from "../api-context.js";
import { checkResourceIfMatch, etagOf, parseIfMatch } from "../if-match.js";
import { missingReferenceWarnings } from "../reference-warnings.js";
import { kindParam, nameParam, resourceFromPut } from "../resource-input.js";
import {
  DeleteResponse,
  ERROR_RESPONSES,
  ForceQuery,
  IfMatchHeaders,
  KindParams,
  PutResponse,
  ResourceBody,
  ResourceListResponse,
  ResourceParams,
  ResourceResponse,
} from "../schemas.js";

const TAGS = ["resources"];
const BODY_TYPES = ["application/json", "application/yaml"];

function resourceView(resource: StoredResource) {
  return {
    kind: resource.kind,
    name: resource.name,
    version: resource.version,
    revision: resource.modRevision,
    resource: JSON.parse(resource.json) as unknown,
  };
}

export function registerResourceRoutes(app: ApiApp, context: ApiContext): void {
  const { store, writer, references } = context;

  app.get(
    "/v1/resources/:kind",
    {
      schema: {
        summary: "List the resources of one kind",
        tags: TAGS,
        params: KindParams,
        response: { 200: ResourceListResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const kind = kindParam(request.params.kind);
      // current() rather than list(): the items and the revision come from one consistent read.
      const state = await store.current();
      const items = state.resources.filter((resource) => resource.kind === kind).map(resourceView);
      return { kind, revision: state.revision, items };
    },
  );

  app.get(
    "/v1/resources/:kind/:name",
    {
      schema: {
        summary: "Read one resource",
        tags: TAGS,
        params: ResourceParams,
        response: { 200: ResourceResponse, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const kind = kindParam(request.params.kind);
      const name = nameParam(request.params.name);
      const resource = await store.get(kind, name);
      if (resource === undefined) throw new WeftError(ErrorCode.notFound, `${kind}/${name} does not exist`);
      reply.header("etag", etagOf(resource.modRevision));
      return resourceView(resource);
    },
  );

  app.put(
    "/v1/resources/:kind/:name",
    {
      schema: {
        summary: "Create or replace one resource",
        description:
          "Validates the resource (structure and semantics) and stores it as a new revision. References to " +
          "resources that do not exist are accepted and listed in `warnings`.",
        tags: TAGS,
        consumes: BODY_TYPES,
        params: ResourceParams,
        headers: IfMatchHeaders,
        body: ResourceBody,
        response: { 200: PutResponse, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const kind = kindParam(request.params.kind);
      const name = nameParam(request.params.name);
      const ifMatch = parseIfMatch(request.headers["if-match"]);
      const parsed = resourceFromPut(kind, name, request.body, request.log);
      const response = await writer.write(async () => {
        const expected =
          ifMatch === undefined
            ? undefined
            : checkResourceIfMatch(ifMatch, await store.get(kind, name), `${kind}/${name}`);
        const warnings = await missingReferenceWarnings(
          parsed.references,
          async (refKind, refName) => (await store.get(refKind, refName)) !== undefined,
        );
        return {
          mutations: [{ op: "put" as const, kind, name, json: parsed.json, version: parsed.version }],
          ...(expected === undefined ? {} : { conditions: { modRevisions: [{ kind, name, modRevision: expected }] } }),
          description: `put ${kind}/${name}`,
          done: async (result) => {
            // A put of the content already stored creates no revision: report the one holding it.
            const revision =
              result.changes.length > 0
                ? result.revision
                : ((await store.get(kind, name))?.modRevision ?? result.revision);
            return { kind, name, version: parsed.version, revision, ...(warnings.length > 0 ? { warnings } : {}) };
          },
        };
      });
      reply.header("etag", etagOf(response.revision));
      return response;
    },
  );

  app.delete(
    "/v1/resources/:kind/:name",
    {
      schema: {
        summary: "Delete one resource",
        description:
          "Refused with 409 WEFT_REFERENCED while other resources reference it, unless force=true; the error's " +
          "details name each referrer (path = KIND/NAME of the referrer).",
        tags: TAGS,
        params: ResourceParams,
        querystring: ForceQuery,
        headers: IfMatchHeaders,
        response: { 200: DeleteResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const kind = kindParam(request.params.kind);
      const name = nameParam(request.params.name);
      const ifMatch = parseIfMatch(request.headers["if-match"]);
      const force = request.query.force === true;
      return writer.write(async () => {
        // Without force, the referrer check reads the whole store and the commit pins its revision,
        // so no reference can appear between the check and the delete.
        const state = force ? undefined : await store.current();
        const existing = state
          ? state.resources.find((resource) => resource.kind === kind && resource.name === name)
          : await store.get(kind, name);
        if (ifMatch !== undefined) checkResourceIfMatch(ifMatch, existing, `${kind}/${name}`);
        if (existing === undefined) throw new WeftError(ErrorCode.notFound, `${kind}/${name} does not exist`);
        if (state !== undefined) {
          const referrers = references.referrersOf(state.resources, kind, name);
          if (referrers.length > 0) {
            throw new WeftError(
              ErrorCode.referenced,
              `${kind}/${name} is referenced by ${referrers.length === 1 ? "another resource" : `${referrers.length} references`}; ` +
                "remove those references first, or delete with ?force=true",
              {
                details: referrers.map((referrer) => ({
                  path: `${referrer.kind}/${referrer.name}`,
                  code: DetailCode.referencedBy,
                  message: `references ${kind}/${name} at ${referrer.path}`,
                })),
              },
            );
          }
        }
        return {
          mutations: [{ op: "delete" as const, kind, name }],
          conditions:
            state === undefined
              ? { modRevisions: [{ kind, name, modRevision: existing.modRevision }] }
              : { storeRevision: state.revision },
          description: `delete ${kind}/${name}`,
          done: (result) => ({ kind, name, revision: result.revision }),
        };
      });
    },
  );
}
