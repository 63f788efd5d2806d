// startControlPlane's one `clock` option: the store's revision times and the snapshot builder's
// debounce run on it, so a test moves them by hand.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import pino from "pino";
import { startControlPlane } from "../../control-plane/src/main.js";
import { ManualClock } from "../time/manual-clock.js";
import { cluster } from "./xds/harness.js";

/** The published snapshot's encoded bytes of clusters, from the config-size gauge. */
async function publishedClusterBytes(api: string): Promise<number> {
  const text = await (await fetch(`http://${api}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith('weft_config_size_bytes{kind="clusters"}'));
  return Number(line?.split(" ")[1]);
}

test("startControlPlane stamps revisions and debounces snapshots on the clock it is given", async () => {
  const start = Date.UTC(2030, 0, 1);
  const clock = new ManualClock(start);
  const dataDir = mkdtempSync(join(tmpdir(), "weft-clock-"));
  const plane = await startControlPlane({
    xdsListen: "127.0.0.1:0",
    apiListen: "127.0.0.1:0",
    dataDir,
    logger: pino({ level: "silent" }),
    clock,
  });
  try {
    const written = await fetch(`http://${plane.apiAddress}/v1/resources/clusters/web`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(cluster("web")),
    });
    assert.equal(written.status, 200);
    const { revisions } = (await (await fetch(`http://${plane.apiAddress}/v1/revisions`)).json()) as {
      revisions: { revision: number; time: string }[];
    };
    assert.equal(revisions[0]?.time, new Date(start).toISOString(), "the revision's time is the clock's");

    // The write is seen (the store tells its watchers before it answers) but not yet published.
    assert.equal(clock.pendingCount, 1, "the snapshot debounce waits on the manual clock");
    assert.equal(await publishedClusterBytes(plane.apiAddress), 0, "the published snapshot has no cluster yet");
    await clock.advance(clock.delays()[0] ?? 0);
    assert.ok((await publishedClusterBytes(plane.apiAddress)) > 0, "the snapshot holding the cluster is published");
  } finally {
    await plane.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
