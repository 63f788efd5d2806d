// The programs the data-plane benchmark runs besides Node: wrk (the load generator), nginx (the
// backend and the reference proxy) and, when present, taskset (CPU pinning). Found on PATH or in
// the Debian locations; a missing wrk or nginx stops the run with how to install it.
import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";

export interface Tools {
  readonly wrk: string;
  readonly nginx: string;
  /** Undefined when taskset is not installed: processes then run unpinned. */
  readonly taskset: string | undefined;
}

async function findProgram(name: string, extraDirs: readonly string[]): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), ...extraDirs].filter((dir) => dir !== "");
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

export async function findTools(): Promise<Tools> {
  const sbin = ["/usr/sbin", "/usr/local/sbin", "/sbin"];
  const [wrk, nginx, taskset] = await Promise.all([
    findProgram("wrk", []),
    findProgram("nginx", sbin),
    findProgram("taskset", []),
  ]);
  const missing = [wrk ? undefined : "wrk", nginx ? undefined : "nginx"].filter((name) => name !== undefined);
  if (!wrk || !nginx) {
    throw new Error(
      `bench:dp needs ${missing.join(" and ")} on this machine. On Debian or Ubuntu: ` +
        "`sudo apt-get install -y wrk nginx-light` (the nginx service need not run: the benchmark starts its own " +
        "instances in a temporary folder); on macOS: `brew install wrk nginx`.",
    );
  }
  return { wrk, nginx, taskset };
}
