// `weft diff -f FILE|DIR|-`: what `weft apply` would change. The server validates the files and
// says which resources differ (a dry-run apply compares content versions, the hash of canonical
// JSON); each one is then shown as a diff of canonical YAML, the stored resource against the file's.
// Exit codes: 0 no change, 1 changes, 2 an error (as `diff` and `kubectl diff`).
import { Command } from "commander";
import { ApiError, type ApiKind, type WeftApi } from "../client/index.js";
import { describeError } from "../errors.js";
import { addClientOptions, type ClientFlags, withApi } from "./client-options.js";
import { unifiedDiff } from "./line-diff.js";
import { documentOf, yamlText } from "./output-format.js";
import {
  applyItems,
  filenameOption,
  parseDocuments,
  type ResourceDocument,
  readSources,
  sourcePaths,
} from "./resource-documents.js";
import { KIND_ORDER, label } from "./resource-kinds.js";

interface Flags extends ClientFlags {
  filename: string[];
  recursive?: boolean;
  prune?: boolean;
}

/** The file's resource as the server would store it: canonical JSON (snake_case, defaults left out). */
async function canonical(document: ResourceDocument): Promise<Record<string, unknown>> {
  // Loaded here: the resource codecs are needed by no other command.
  const { parseResource } = await import("../../../control-plane/src/resources/index.js");
  const { isMeshKindName, parseMeshDocument } = await import("../../../control-plane/src/mesh/index.js");
  try {
    const parsed = isMeshKindName(document.kind)
      ? parseMeshDocument(document.kind, document.resource)
      : parseResource(document.kind, document.resource);
    return JSON.parse(parsed.json) as Record<string, unknown>;
  } catch {
    // The server accepted it, so this is not expected; show the resource as written.
    return document.resource;
  }
}

const textOf = (kind: ApiKind, resource: Record<string, unknown> | undefined) =>
  resource === undefined ? "" : yamlText([documentOf({ kind, resource })]);

/** Prints each difference; resolves with whether there was any. */
async function run(flags: Flags, api: WeftApi): Promise<boolean> {
  const documents = await parseDocuments(await readSources(flags.filename, { recursive: flags.recursive === true }));
  let result: Awaited<ReturnType<WeftApi["apply"]>>;
  try {
    result = await api.apply(applyItems(documents), { dryRun: true });
  } catch (error) {
    throw error instanceof ApiError ? error.withPaths(sourcePaths(documents)) : error;
  }
  const kinds = new Set(documents.map((d) => d.kind));
  const lists = await Promise.all(KIND_ORDER.filter((kind) => kinds.has(kind)).map((kind) => api.list(kind)));
  const stored = new Map(lists.flatMap((list) => list.items.map((item) => [`${item.kind}/${item.name}`, item])));
  const out: string[] = [];
  for (const [i, change] of result.resources.entries()) {
    const document = documents[i];
    if (!change.changed || document === undefined) continue;
    const before = stored.get(`${change.kind}/${change.name}`);
    const name = label(change.kind, change.name);
    out.push(`--- ${name} ${before === undefined ? "(not stored)" : `(server, revision ${before.revision})`}`);
    out.push(`+++ ${name} (${document.source})`);
    out.push(unifiedDiff(textOf(change.kind, before?.resource), textOf(change.kind, await canonical(document))));
  }
  if (flags.prune === true) {
    const wanted = new Set(documents.map((d) => `${d.kind}/${d.name}`));
    for (const [key, item] of stored) {
      if (wanted.has(key)) continue;
      out.push(`--- ${label(item.kind, item.name)} (server, revision ${item.revision})`);
      out.push(`+++ ${label(item.kind, item.name)} (pruned)`);
      out.push(unifiedDiff(textOf(item.kind, item.resource), ""));
    }
  }
  process.stdout.write(out.join("\n").replace(/\n*$/, out.length > 0 ? "\n" : ""));
  return out.length > 0;
}

export function diffCommand(): Command {
  const command = new Command("diff")
    .description("show what `weft apply` would change, without changing anything")
    .addOption(filenameOption())
    .option("-R, --recursive", "also read the folders inside a folder given with -f")
    .option("--prune", "also show the stored resources of the files' kinds that apply --prune would delete");
  return addClientOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "Resources are compared by content, as the server stores them (canonical JSON: snake_case,",
        "defaults left out), so spelling differences (camelCase, 5s vs 5.000s) are no change. Each",
        "changed resource is shown as a unified diff of its YAML: - the server's, + the file's.",
        "",
        "Exit status: 0 no change, 1 changes, 2 an error (invalid files, server unreachable, ...).",
        "",
        "Examples:",
        "  $ weft diff -f mesh.yaml",
        "  $ weft diff -f config/ --prune || echo 'config drifted'",
      ].join("\n"),
    )
    .action(async (flags: Flags) => {
      try {
        const changed = await withApi(flags, (api) => run(flags, api));
        process.exitCode = changed ? 1 : 0;
      } catch (error) {
        process.stderr.write(`weft: ${describeError(error)}\n`);
        process.exitCode = 2;
      }
    });
}
