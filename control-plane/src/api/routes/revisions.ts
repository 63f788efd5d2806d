// /v1/revisions: the config's history, one revision's change as a diff, and rollback (a new
// revision whose state equals an earlier one's).
import { ErrorCode, WeftError } from "../../errors.js";
import { isRegisteredWorkload } from "../../mesh/index.js";
import type { Mutation, ResourceChange, StoredResource, StoreState } from "../../store/config-store.js";
import type { ApiApp, ApiContext } from "../api-context.js";
import { checkStoreIfMatch, parseIfMatch } from "../if-match.js";
import { jsonDiff } from "../json-diff.js";
import {
  ERROR_RESPONSES,
  HistoryQuery,
  IfMatchHeaders,
  RevisionParams,
  RevisionResponse,
  RevisionsResponse,
  RollbackResponse,
} from "../schemas.js";

const TAGS = ["revisions"];

/** What a change did, as `weft history` marks it: + created, ~ changed, - deleted. */
function actionOf(change: ResourceChange): "created" | "changed" | "deleted" {
  if (change.op === "delete") return "deleted";
  return change.before === undefined ? "created" : "changed";
}

function summary(change: ResourceChange) {
  return { kind: change.kind, name: change.name, op: change.op, action: actionOf(change) };
}

function parsedJson(resource: StoredResource | undefined): unknown {
  return resource === undefined ? undefined : (JSON.parse(resource.json) as unknown);
}

function changeView(change: ResourceChange) {
  const before = parsedJson(change.before);
  const after = parsedJson(change.after);
  return {
    ...summary(change),
    before: change.before === undefined ? null : { version: change.before.version, resource: before },
    after: change.after === undefined ? null : { version: change.after.version, resource: after },
    diff: jsonDiff(before, after),
  };
}

/**
 * The mutations that turn `current` into `target`: puts of what differs, deletes of what is extra.
 * Registered sidecars' WorkloadEntries are live state, not configuration: a rollback neither
 * restores nor removes them (the registry keeps them in step with the sidecars).
 */
function mutationsBetween(current: StoreState, target: StoreState): Mutation[] {
  const key = (resource: StoredResource) => `${resource.kind}/${resource.name}`;
  const configured = (resource: StoredResource) => !isRegisteredWorkload(resource.kind, resource.json);
  const now = new Map(current.resources.map((resource) => [key(resource), resource]));
  const wanted = new Set(target.resources.map(key));
  const mutations: Mutation[] = [];
  for (const resource of target.resources.filter(configured)) {
    if (now.get(key(resource))?.version === resource.version) continue;
    const { kind, name, json, version } = resource;
    mutations.push({ op: "put", kind, name, json, version });
  }
  for (const resource of current.resources.filter(configured)) {
    if (!wanted.has(key(resource))) mutations.push({ op: "delete", kind: resource.kind, name: resource.name });
  }
  return mutations;
}

function revisionNotFound(revision: number, latest: number): WeftError {
  return new WeftError(ErrorCode.revisionNotFound, `revision ${revision} does not exist (the latest is ${latest})`);
}

export function registerRevisionRoutes(app: ApiApp, context: ApiContext): void {
  const { store, writer } = context;

  app.get(
    "/v1/revisions",
    {
      schema: {
        summary: "The config's history, newest first",
        tags: TAGS,
        querystring: HistoryQuery,
        response: { 200: RevisionsResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { limit, before } = request.query;
      const records = await store.history({ limit: limit ?? 100, ...(before === undefined ? {} : { before }) });
      return {
        revisions: records.map((record) => ({
          revision: record.revision,
          time: record.time,
          description: record.description,
          changes: record.changes.map(summary),
        })),
      };
    },
  );

  app.get(
    "/v1/revisions/:revision",
    {
      schema: {
        summary: "One revision's change, as a diff",
        description:
          "Each changed resource with its state before and after (null where it did not exist) and a field-by-field diff. " +
          "404 WEFT_REVISION_NOT_FOUND for a revision not committed yet, WEFT_REVISION_COMPACTED for one no longer kept.",
        tags: TAGS,
        params: RevisionParams,
        response: { 200: RevisionResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { revision } = request.params;
      const record = await store.revisionRecord(revision);
      if (record === undefined) {
        const latest = (await store.history({ limit: 1 }))[0]?.revision ?? 0;
        if (revision === 0 || revision > latest) throw revisionNotFound(revision, latest);
        throw new WeftError(ErrorCode.compacted, `revision ${revision} is older than the history kept`);
      }
      return {
        revision: record.revision,
        time: record.time,
        description: record.description,
        changes: record.changes.map(changeView),
      };
    },
  );

  app.post(
    "/v1/revisions/:revision/rollback",
    {
      schema: {
        summary: "Restore the state right after an earlier revision, as a new revision",
        description:
          'The new revision\'s description is "rollback to REV". If-Match states the store revision expected. ' +
          "404 WEFT_REVISION_NOT_FOUND / WEFT_REVISION_COMPACTED as for GET.",
        tags: TAGS,
        params: RevisionParams,
        headers: IfMatchHeaders,
        response: { 200: RollbackResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { revision } = request.params;
      const ifMatch = parseIfMatch(request.headers["if-match"]);
      return writer.write(async () => {
        const current = await store.current();
        if (revision > current.revision) throw revisionNotFound(revision, current.revision);
        checkStoreIfMatch(ifMatch, current.revision);
        const target = await store.stateAt(revision);
        return {
          mutations: mutationsBetween(current, target),
          conditions: { storeRevision: current.revision },
          description: `rollback to ${revision}`,
          done: (result) => ({
            revision: result.revision,
            rolledBackTo: revision,
            changes: result.changes.map(summary),
          }),
        };
      });
    },
  );
}
