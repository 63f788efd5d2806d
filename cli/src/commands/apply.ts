// `weft apply -f FILE|DIR|-`: sends every resource of the files as one atomic POST /v1/apply, then
// optionally deletes what the files no longer hold (--prune) and waits for the proxies (--wait).
import { Command } from "commander";
import { ApiError, type ApiKind, type WeftApi } from "../client/index.js";
import { CliError, CliErrorCode } from "../errors.js";
import { addClientOptions, type ClientFlags, withApi } from "./client-options.js";
import { examples } from "./help-examples.js";
import {
  applyItems,
  filenameOption,
  parseDocuments,
  type ResourceDocument,
  readSources,
  sourcePaths,
} from "./resource-documents.js";
import { KIND_ORDER, label } from "./resource-kinds.js";
import { addWaitOptions, type WaitFlags, waitAfterWrite } from "./sync-wait.js";

interface Flags extends ClientFlags, WaitFlags {
  filename: string[];
  recursive?: boolean;
  dryRun?: boolean;
  prune?: boolean;
}

const key = (kind: ApiKind, name: string) => `${kind}/${name}`;

/** What the store holds of `kinds`: key → resource name. */
async function storedOf(
  api: WeftApi,
  kinds: ReadonlySet<ApiKind>,
): Promise<Map<string, { kind: ApiKind; name: string }>> {
  const lists = await Promise.all(KIND_ORDER.filter((kind) => kinds.has(kind)).map((kind) => api.list(kind)));
  const stored = new Map<string, { kind: ApiKind; name: string }>();
  for (const list of lists) for (const item of list.items) stored.set(key(list.kind, item.name), item);
  return stored;
}

/**
 * Deletes `leftovers` referrers first (listeners, routes, clusters, endpoints). A delete refused
 * because another leftover still refers to it (an aggregate cluster and its members) is tried
 * again once that one is gone; what still cannot be deleted is reported, nothing is forced.
 * Resolves with the revisions the deletes created, in order.
 */
async function prune(
  api: WeftApi,
  leftovers: readonly { kind: ApiKind; name: string }[],
  print: (line: string) => void,
): Promise<number[]> {
  const revisions: number[] = [];
  let pending = [...leftovers];
  let failures: string[] = [];
  while (pending.length > 0) {
    const retry: typeof pending = [];
    failures = [];
    for (const resource of pending) {
      try {
        revisions.push((await api.delete(resource.kind, resource.name)).revision);
        print(`${label(resource.kind, resource.name)} pruned`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.code === "WEFT_NOT_FOUND") continue;
        retry.push(resource);
        const referrers = error.details.map((d) => d.path).filter((p) => p !== "");
        failures.push(
          `${label(resource.kind, resource.name)}: ${error.code}${referrers.length > 0 ? ` (referenced by ${referrers.join(", ")})` : `: ${error.summary}`}`,
        );
      }
    }
    if (retry.length === pending.length) break;
    pending = retry;
  }
  if (failures.length > 0) {
    throw new CliError(
      CliErrorCode.pruneFailed,
      `applied, but ${failures.length} resource${failures.length === 1 ? "" : "s"} could not be pruned:\n${failures.map((f) => `  ${f}`).join("\n")}`,
    );
  }
  return revisions;
}

async function run(flags: Flags, api: WeftApi): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const documents: ResourceDocument[] = await parseDocuments(
    await readSources(flags.filename, { recursive: flags.recursive === true }),
  );
  if (documents.length === 0) {
    throw new CliError(CliErrorCode.invalidDocument, `no resources found in ${flags.filename.join(", ")}`);
  }
  const kinds = new Set(documents.map((d) => d.kind));
  const stored = await storedOf(api, kinds);
  const rewrite = sourcePaths(documents);
  const dryRun = flags.dryRun === true;
  let result: Awaited<ReturnType<WeftApi["apply"]>>;
  try {
    result = await api.apply(applyItems(documents), { dryRun });
  } catch (error) {
    throw error instanceof ApiError ? error.withPaths(rewrite) : error;
  }
  const suffix = dryRun ? " (dry run)" : "";
  for (const resource of result.resources) {
    const state = !stored.has(key(resource.kind, resource.name))
      ? "created"
      : resource.changed
        ? "configured"
        : "unchanged";
    out(`${label(resource.kind, resource.name)} ${state}${suffix}`);
  }
  for (const warning of result.warnings ?? []) err(`warning: ${rewrite(warning.path)}: ${warning.message}`);

  // The revisions this command creates: the apply's, if it changed anything, then one per prune.
  const written = result.resources.some((resource) => resource.changed) ? [result.revision] : [];
  if (flags.prune === true) {
    const wanted = new Set(documents.map((d) => key(d.kind, d.name)));
    const leftovers = [...stored.entries()]
      .filter(([k]) => !wanted.has(k))
      .map(([, resource]) => resource)
      .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (a.name < b.name ? -1 : 1));
    if (dryRun) for (const r of leftovers) out(`${label(r.kind, r.name)} pruned${suffix}`);
    else written.push(...(await prune(api, leftovers, out)));
  }

  if (dryRun) {
    out(`dry run: nothing was changed (the store is at revision ${result.revision})`);
    return;
  }
  const revision = written.at(-1) ?? result.revision;
  out(`revision ${revision}`);
  // Revisions are consecutive and each write is one revision: the one before the first write is
  // the state this command started from.
  const first = written[0];
  await waitAfterWrite(
    api,
    flags,
    { revision, before: first === undefined ? undefined : first - 1 },
    { progress: (line) => err(`waiting: ${line}`) },
  );
}

export function applyCommand(): Command {
  const command = new Command("apply")
    .description("create or replace resources from YAML/JSON files, all or nothing")
    .addOption(filenameOption())
    .option("-R, --recursive", "also read the folders inside a folder given with -f")
    .option("--dry-run", "validate and compare with the server; change nothing")
    .option("--prune", "then delete the stored resources of the files' kinds that the files no longer hold");
  return addClientOptions(addWaitOptions(command))
    .addHelpText(
      "after",
      [
        "",
        "Each document is a resource with its kind: `kind: Cluster` (or Listener, RouteConfiguration,",
        "ClusterLoadAssignment) next to the Envoy v3 resource's fields. Several documents per file",
        "are separated by `---`; JSON is read as YAML. Documents shaped as the API's apply body",
        '({kind, resource} or {"resources": [...]}) are accepted too. Every resource is sent in one',
        "request: if one is invalid, nothing changes and each problem is listed with its file,",
        "document number (from 1) and field path.",
        "",
        "--prune deletes only resources of the kinds the files hold (a file of clusters never",
        "deletes a listener). It runs after the apply, as separate deletes, referrers first",
        "(listeners, routes, clusters, endpoints); a resource still referenced is not deleted and",
        "the command fails naming it. With --dry-run it lists what it would delete.",
        "",
        "--wait polls the control plane until every connected proxy has acknowledged (ACKed) the",
        "config, printing progress on stderr; it fails if a proxy rejects (NACKs) it or time runs out.",
        "The config stays stored either way: a rejection names the `weft rollback` that undoes it.",
        "",
        "Examples:",
        ...examples([
          ["weft apply -f mesh.yaml"],
          ["weft apply -f config/ --prune --wait --wait-timeout 2m"],
          ["weft get clusters -o yaml | weft apply -f - --dry-run"],
          ["weft apply -f mesh.json --server cp.internal:18080 --token $TOKEN"],
        ]),
      ].join("\n"),
    )
    .action(async (flags: Flags) => withApi(flags, (api) => run(flags, api)));
}
