// The control plane's REST API on a real SqliteStore (WAL, synchronous=FULL) in a temporary
// directory, run as bench/api-write.ts's child so the load generator does not share its event loop.
// Reports {type: "listening", port}; exits on {type: "stop"} and removes its directory.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { buildApi } from "../control-plane/src/api/app.js";
import { Metrics } from "../control-plane/src/metrics.js";
import { SqliteStore } from "../control-plane/src/store/sqlite-store.js";

export type ServerReport = { type: "listening"; port: number; dataDir: string } | { type: "failed"; message: string };
export type ServerCommand = { type: "stop" };

function report(message: ServerReport): void {
  process.send?.(message);
}

const dataDir = await mkdtemp(join(tmpdir(), "weft-bench-api-"));
try {
  const store = await SqliteStore.open({ dataDir });
  const app = buildApi({
    store,
    proxies: { proxies: () => [], recentNacks: () => [] },
    metrics: new Metrics(),
    logger: pino({ level: "warn" }),
    ready: () => true,
    // The apply of 10,000 resources is several MiB; the write limit would throttle the benchmark itself.
    bodyLimit: 64 * 1024 * 1024,
    writeRateLimit: false,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  process.on("message", async (command: ServerCommand) => {
    if (command.type !== "stop") return;
    await app.close();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
  report({ type: "listening", port: address.port, dataDir });
} catch (error) {
  await rm(dataDir, { recursive: true, force: true });
  report({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
