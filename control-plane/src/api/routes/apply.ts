// POST /v1/apply: many resources at once, all or nothing, as one revision. Only creates and
// replaces; nothing is deleted (pruning what a file no longer holds is the CLI's business).
import type { ErrorDetail } from "../../errors.js";
import type { ApiApp, ApiContext } from "../api-context.js";
import { checkStoreIfMatch, parseIfMatch } from "../if-match.js";
import { missingReferenceWarnings } from "../reference-warnings.js";
import { resourcesFromApply } from "../resource-input.js";
import { ApplyBody, ApplyResponse, DryRunQuery, ERROR_RESPONSES, IfMatchHeaders } from "../schemas.js";

export function registerApplyRoutes(app: ApiApp, context: ApiContext): void {
  const { store, writer } = context;

  app.post(
    "/v1/apply",
    {
      schema: {
        summary: "Create or replace many resources in one revision",
        description:
          "All or nothing: if any resource is invalid, nothing is stored and the error lists every problem " +
          "(paths like resources[2].resource.virtual_hosts[0] or, for YAML streams, documents[2].name). " +
          "If-Match states the store revision the apply expects.",
        tags: ["resources"],
        consumes: ["application/json", "application/yaml"],
        querystring: DryRunQuery,
        headers: IfMatchHeaders,
        body: ApplyBody,
        response: { 200: ApplyResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const ifMatch = parseIfMatch(request.headers["if-match"]);
      const items = resourcesFromApply(request.body, request.log);
      const applied = new Set(items.map(({ resource }) => `${resource.kind}/${resource.name}`));

      const inspect = async () => {
        const state = await store.current();
        checkStoreIfMatch(ifMatch, state.revision);
        const stored = new Map(state.resources.map((resource) => [`${resource.kind}/${resource.name}`, resource]));
        const exists = (kind: string, name: string) => applied.has(`${kind}/${name}`) || stored.has(`${kind}/${name}`);
        const warnings: ErrorDetail[] = [];
        for (const { resource, path } of items) {
          warnings.push(...(await missingReferenceWarnings(resource.references, exists, path)));
        }
        return { state, stored, warnings };
      };
      const withWarnings = (warnings: ErrorDetail[]) => (warnings.length > 0 ? { warnings } : {});

      if (request.query.dryRun === true) {
        const { state, stored, warnings } = await inspect();
        return {
          revision: state.revision,
          dryRun: true,
          resources: items.map(({ resource }) => ({
            kind: resource.kind,
            name: resource.name,
            version: resource.version,
            changed: stored.get(`${resource.kind}/${resource.name}`)?.version !== resource.version,
          })),
          ...withWarnings(warnings),
        };
      }

      return writer.write(async () => {
        const { state, stored, warnings } = await inspect();
        // Only the resources that differ from what was read are written, and the revision's
        // description counts those. The modRevisions pin what was read of every applied resource:
        // if another writer changes one of them in between, the apply is planned again, so a
        // resource found unchanged here is never left out after it was changed.
        const changed = items.filter(
          ({ resource }) => stored.get(`${resource.kind}/${resource.name}`)?.version !== resource.version,
        );
        const modRevisions = items.map(({ resource }) => ({
          kind: resource.kind,
          name: resource.name,
          modRevision: stored.get(`${resource.kind}/${resource.name}`)?.modRevision ?? 0,
        }));
        const pinStore = ifMatch !== undefined && ifMatch !== "*";
        return {
          mutations: changed.map(({ resource }) => ({
            op: "put" as const,
            kind: resource.kind,
            name: resource.name,
            json: resource.json,
            version: resource.version,
          })),
          conditions: { modRevisions, ...(pinStore ? { storeRevision: state.revision } : {}) },
          description: `apply ${changed.length} resource${changed.length === 1 ? "" : "s"}`,
          done: (result) => {
            const changed = new Set(result.changes.map((change) => `${change.kind}/${change.name}`));
            return {
              revision: result.revision,
              resources: items.map(({ resource }) => ({
                kind: resource.kind,
                name: resource.name,
                version: resource.version,
                changed: changed.has(`${resource.kind}/${resource.name}`),
              })),
              ...withWarnings(warnings),
            };
          },
        };
      });
    },
  );
}
