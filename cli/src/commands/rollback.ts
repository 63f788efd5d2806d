// `weft rollback REV`: POST /v1/revisions/REV/rollback, restoring the state right after REV as a
// new revision; with --wait, then waits for the proxies as `apply --wait` does.
import { Command, InvalidArgumentError } from "commander";
import { addClientOptions, type ClientFlags, withApi } from "./client-options.js";
import { examples } from "./help-examples.js";
import { label } from "./resource-kinds.js";
import { addWaitOptions, type WaitFlags, waitAfterWrite } from "./sync-wait.js";

interface Flags extends ClientFlags, WaitFlags {}

/** A store revision: 0 (the empty store) or more. */
export function revisionArgument(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("expected a revision number");
  return n;
}

export function rollbackCommand(): Command {
  const command = new Command("rollback")
    .description("restore the config as it was right after revision REV, as a new revision")
    .argument("<rev>", "the revision to go back to (0: the empty store); see `weft history`", revisionArgument);
  return addClientOptions(addWaitOptions(command))
    .addHelpText(
      "after",
      [
        "",
        "Prints the new revision and each change it made (put or delete). If the config already",
        "equals REV's, nothing is written and the current revision is printed. --wait then waits",
        "until every connected proxy has acknowledged the restored config, as `weft apply --wait`.",
        "",
        "Examples:",
        ...examples([
          ["weft history --limit 5", "find the revision to go back to"],
          ["weft rollback 12", "restore the config as revision 12 left it"],
          ["weft rollback 12 --wait", "and wait for every proxy to take it"],
        ]),
      ].join("\n"),
    )
    .action(async (revision: number, flags: Flags) =>
      withApi(flags, async (api) => {
        const result = await api.rollback(revision);
        const lines = result.changes.map(
          (change) => `${label(change.kind, change.name)} ${change.op === "put" ? "restored" : "deleted"}`,
        );
        if (lines.length === 0)
          lines.push(`nothing to change: the config already equals revision ${result.rolledBackTo}`);
        lines.push(`revision ${result.revision} (rolled back to ${result.rolledBackTo})`);
        process.stdout.write(`${lines.join("\n")}\n`);
        const before = result.changes.length === 0 ? undefined : result.revision - 1;
        await waitAfterWrite(
          api,
          flags,
          { revision: result.revision, before },
          { progress: (line) => process.stderr.write(`waiting: ${line}\n`) },
        );
      }),
    );
}
