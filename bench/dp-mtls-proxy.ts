// A `weft proxy` child process with a node id of its own (the mTLS benchmark runs two on one
// control plane, each receiving only its listeners), from this checkout's compiled CLI, with the
// access log off; its admin address is read from the "proxy started" log line.
import { join } from "node:path";
import { BenchProcess, type StartOptions } from "./dp-process.js";
import type { WeftProxy } from "./dp-weft.js";

const WEFT = join(import.meta.dirname, "..", "bin", "weft.js");
const START_TIMEOUT_MS = 20_000;

export async function startNamedProxy(nodeId: string, xds: string, pin: StartOptions): Promise<WeftProxy> {
  const child = new BenchProcess(
    `weft proxy ${nodeId}`,
    process.execPath,
    [
      WEFT,
      "proxy",
      "--node-id",
      nodeId,
      "--xds-server",
      xds,
      "--admin-listen",
      "127.0.0.1:0",
      "--access-log",
      "off",
      "--log-format",
      "json",
    ],
    pin,
  );
  const stop = () => child.stop("SIGTERM", 15_000);
  try {
    const admin = await child.waitForJson((line) => {
      if (line.msg !== "proxy started") return undefined;
      const address = line.admin as { host?: string; port?: number } | undefined;
      return address?.port ? `http://${address.host ?? "127.0.0.1"}:${address.port}` : undefined;
    }, START_TIMEOUT_MS);
    return { process: child, admin, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
