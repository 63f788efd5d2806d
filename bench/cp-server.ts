// The control plane as a child process of the benchmark, so that its CPU time and memory can be
// read by PID: both servers on 127.0.0.1 port 0, SQLite in the folder given as the only argument,
// warnings and errors logged. Reports its addresses to the orchestrator over IPC, stops on the
// orchestrator's "stop", on SIGTERM, or when the orchestrator goes away.
import { startControlPlane } from "../control-plane/src/main.js";
import type { ServerCommand, ServerReport } from "./cp-xds-messages.js";

function report(message: ServerReport): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error("usage: cp-server.ts DATA_DIR");
  const controlPlane = await startControlPlane({
    xdsListen: "127.0.0.1:0",
    apiListen: "127.0.0.1:0",
    dataDir,
    logLevel: "warn",
  });
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    controlPlane.close().finally(() => process.exit(code));
  };
  process.on("SIGTERM", () => stop(0));
  // Ctrl-C reaches the whole process group: the orchestrator decides when this process stops.
  process.on("SIGINT", () => undefined);
  process.on("disconnect", () => stop(1));
  process.on("message", (command: ServerCommand) => {
    if (command.type === "stop") stop(0);
    else if (command.type === "gc") {
      globalThis.gc?.();
      const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
      report({ type: "gc-done", heapUsed, external, arrayBuffers, rss });
    }
  });
  report({ type: "listening", xdsAddress: controlPlane.xdsAddress, apiAddress: controlPlane.apiAddress });
}

main().catch((error: unknown) => {
  report({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
