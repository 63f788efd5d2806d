// Fails when proto/gen/ is not what `npm run gen` produces from the committed .proto files: it
// regenerates, then asks git for any changed, deleted or untracked file under proto/gen/.
// CI runs it (npm run check:gen); locally it leaves the regenerated files in place to commit.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function run(command: string, args: string[], capture: boolean): string {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit",
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`check-gen: ${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
    process.exit(1);
  }
  return result.stdout ?? "";
}

run(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "--silent", "gen"], false);
// --porcelain lists modified, deleted and untracked files alike; --untracked-files=all names each
// untracked file instead of only its folder.
const changes = run("git", ["status", "--porcelain", "--untracked-files=all", "--", "proto/gen"], true);
if (changes.trim() !== "") {
  console.error("check-gen: proto/gen/ is stale; run `npm run gen` and commit the result. Differences:");
  console.error(changes.trimEnd());
  run("git", ["--no-pager", "diff", "--stat", "--", "proto/gen"], false);
  process.exit(1);
}
console.log("check-gen: proto/gen/ is up to date");
