// `weft delete KIND NAME`: DELETE /v1/resources/KIND/NAME, refused while others reference it
// unless --force; with --wait, then waits for the proxies as `apply --wait` does.
import { Command } from "commander";
import { ApiError } from "../client/index.js";
import { addClientOptions, type ClientFlags, withApi } from "./client-options.js";
import { examples } from "./help-examples.js";
import { label, requireKind } from "./resource-kinds.js";
import { addWaitOptions, type WaitFlags, waitAfterWrite } from "./sync-wait.js";

interface Flags extends ClientFlags, WaitFlags {
  force?: boolean;
}

export function deleteCommand(): Command {
  const command = new Command("delete")
    .description("delete one resource")
    .argument(
      "<kind>",
      "listeners, routes, clusters, endpoints, services, workloadentries, httproutes, grpcroutes, destinationrules (or listener, Listener, svc, ...)",
    )
    .argument("<name>", "the resource's name")
    .option("--force", "delete even while other resources reference it");
  return addClientOptions(addWaitOptions(command))
    .addHelpText(
      "after",
      [
        "",
        "A resource other resources still reference (a route configuration a listener names, a",
        "cluster a route sends to, ...) is not deleted: the error (WEFT_REFERENCED) lists each",
        "referrer. --force deletes it anyway; proxies then lack what the referrers name. --wait",
        "then waits until every connected proxy has acknowledged the change, as `weft apply --wait`.",
        "",
        "Examples:",
        ...examples([
          ["weft delete cluster echo"],
          ["weft delete RouteConfiguration front-routes --force"],
          ["weft delete listener front --wait --wait-timeout 30s"],
        ]),
      ].join("\n"),
    )
    .action(async (kindText: string, name: string, flags: Flags) => {
      const kind = requireKind(kindText);
      await withApi(flags, async (api) => {
        const result = await api.delete(kind, name, { force: flags.force === true }).catch((error: unknown) => {
          // The API's advice names its query parameter; here the same thing is a flag.
          throw error instanceof ApiError ? error.withPaths((text) => text.replace("?force=true", "--force")) : error;
        });
        process.stdout.write(`${label(kind, name)} deleted\nrevision ${result.revision}\n`);
        await waitAfterWrite(
          api,
          flags,
          { revision: result.revision, before: result.revision - 1 },
          { progress: (line) => process.stderr.write(`waiting: ${line}\n`) },
        );
      });
    });
}
