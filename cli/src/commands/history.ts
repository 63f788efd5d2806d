// `weft history [REV]`: the config's revisions, newest first, or one revision's changes with a
// field-by-field diff.
import { Command, InvalidArgumentError, Option } from "commander";
import type { ChangeSummary, RevisionDetail, WeftApi } from "../client/index.js";
import { addClientOptions, type ClientFlags, withApi } from "./client-options.js";
import { examples } from "./help-examples.js";
import { jsonText, type OutputFormat, outputOption, yamlText } from "./output-format.js";
import { label } from "./resource-kinds.js";
import { revisionArgument } from "./rollback.js";
import { renderTable, truncate } from "./table.js";

interface Flags extends ClientFlags {
  limit: number;
  output: OutputFormat;
}

function limitArgument(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError("expected a number from 1 to 1000");
  return n;
}

const MARKS = { created: "+", changed: "~", deleted: "-" } as const;

/** + created, ~ changed, - deleted; a control plane without `action` tells only put (+) from delete. */
function mark(change: ChangeSummary): string {
  return MARKS[change.action ?? (change.op === "put" ? "created" : "deleted")];
}

function leafText(value: unknown): string {
  return JSON.stringify(value);
}

function detailText(detail: RevisionDetail): string {
  const lines = [`revision ${detail.revision}  ${detail.time}  ${detail.description}`];
  for (const change of detail.changes) {
    lines.push(`${label(change.kind, change.name)} ${change.action ?? (change.op === "put" ? "put" : "deleted")}`);
    for (const leaf of change.diff) {
      if (leaf.before !== undefined)
        lines.push(`  - ${leaf.path === "" ? "(resource)" : leaf.path}: ${leafText(leaf.before)}`);
      if (leaf.after !== undefined)
        lines.push(`  + ${leaf.path === "" ? "(resource)" : leaf.path}: ${leafText(leaf.after)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

async function run(revision: number | undefined, flags: Flags, api: WeftApi): Promise<void> {
  if (revision !== undefined) {
    const detail = await api.revision(revision);
    const text =
      flags.output === "json" ? jsonText(detail) : flags.output === "yaml" ? yamlText([detail]) : detailText(detail);
    process.stdout.write(text);
    return;
  }
  const revisions = await api.revisions({ limit: flags.limit });
  if (flags.output === "json") return void process.stdout.write(jsonText(revisions));
  if (flags.output === "yaml") return void process.stdout.write(yamlText([revisions]));
  if (revisions.length === 0) return void process.stderr.write("no revisions yet\n");
  const rows = revisions.map((r) => [
    String(r.revision),
    r.time,
    r.description,
    truncate(r.changes.map((c) => `${mark(c)}${label(c.kind, c.name)}`).join(" "), 80),
  ]);
  process.stdout.write(renderTable(["REV", "TIME", "DESCRIPTION", "CHANGES"], rows));
}

export function historyCommand(): Command {
  const command = new Command("history")
    .description("list the config's revisions, newest first, or show what one revision changed")
    .argument("[rev]", "one revision: its changes, field by field", revisionArgument)
    .addOption(new Option("--limit <n>", "how many revisions to list, 1 to 1000").argParser(limitArgument).default(20))
    .addOption(outputOption(["table", "yaml", "json"], "table"));
  return addClientOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "CHANGES marks each resource the revision wrote: +kind/name created, ~kind/name changed,",
        "-kind/name deleted; DESCRIPTION counts only what changed. The store keeps the last",
        "--history-limit revisions (a control-plane flag); `weft rollback REV` restores one.",
        "",
        "Examples:",
        ...examples([
          ["weft history", "the last 20 revisions"],
          ["weft history --limit 100 -o json", "the last 100, as the API answers them"],
          ["weft history 12", "what revision 12 changed, field by field"],
        ]),
      ].join("\n"),
    )
    .action(async (revision: number | undefined, flags: Flags) => withApi(flags, (api) => run(revision, flags, api)));
}
