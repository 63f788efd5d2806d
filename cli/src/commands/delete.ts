// `weft delete KIND NAME`: DELETE /v1/resources/KIND/NAME, refused while others reference it
// unless --force.
import { Command } from "commander";
import { ApiError } from "../client/index.js";
import { addClientOptions, type ClientFlags, withApi } from "./client-options.js";
import { label, requireKind } from "./resource-kinds.js";

interface Flags extends ClientFlags {
  force?: boolean;
}

export function deleteCommand(): Command {
  const command = new Command("delete")
    .description("delete one resource")
    .argument("<kind>", "listeners, routes, clusters, endpoints (or listener, Listener, ...)")
    .argument("<name>", "the resource's name")
    .option("--force", "delete even while other resources reference it");
  return addClientOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "A resource other resources still reference (a route configuration a listener names, a",
        "cluster a route sends to, ...) is not deleted: the error (WEFT_REFERENCED) lists each",
        "referrer. --force deletes it anyway; proxies then lack what the referrers name.",
        "",
        "Examples:",
        "  $ weft delete cluster echo",
        "  $ weft delete RouteConfiguration front-routes --force",
      ].join("\n"),
    )
    .action(async (kindText: string, name: string, flags: Flags) => {
      const kind = requireKind(kindText);
      const result = await withApi(flags, (api) => api.delete(kind, name, { force: flags.force === true })).catch(
        (error: unknown) => {
          // The API's advice names its query parameter; here the same thing is a flag.
          throw error instanceof ApiError ? error.withPaths((text) => text.replace("?force=true", "--force")) : error;
        },
      );
      process.stdout.write(`${label(kind, name)} deleted\nrevision ${result.revision}\n`);
    });
}
