// Losing the control plane: failing over to the next server, resyncing with the versions held,
// and backing off between failed attempts.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { describe, test } from "node:test";
import pino from "pino";
import { AdsClient } from "../../../data-plane/src/xds-client/ads-client.js";
import { CDS, cluster, EDS, LDS, RDS, seedMesh, startHarness } from "../../control-plane/xds/harness.js";
import { ManualClock } from "../../time/manual-clock.js";
import { until } from "../../until.js";
import { clientFixture, reached } from "./client-fixture.js";

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** Runs a fixture script under tsx. */
function runFixture(name: string): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", fixture(name)], { stdio: ["ignore", "pipe", "inherit"] });
}

/** The first line a child prints. */
async function firstLine(child: ChildProcess): Promise<string> {
  let text = "";
  for await (const chunk of child.stdout ?? []) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return text.split("\n")[0] ?? "";
}

describe("ADS client reconnects", () => {
  test("when its control plane stops, it fails over to the next server and resyncs with the versions it holds", async () => {
    const first = runFixture("control-plane-process.ts");
    const firstAddress = await firstLine(first);
    const second = await startHarness();
    const f = clientFixture([firstAddress, second.address]);
    try {
      await seedMesh(second);
      f.client.start();
      await reached(
        [f],
        () => f.client.acceptedVersion(EDS) !== "" && f.client.acceptedVersion(RDS) !== "",
        "EDS and RDS accepted",
      );
      const held = new Map([LDS, CDS, RDS, EDS].map((t) => [t, f.client.acceptedVersion(t)]));

      first.kill("SIGKILL");
      await reached([f], () => f.events.some((e) => e.type === "disconnected"), "a disconnect");
      assert.equal(f.client.connected, false);
      await reached(
        [f],
        () => f.client.connected && f.client.server === second.address,
        "connected to the second",
        5_000,
      );

      const proxy = () => second.status.proxies().find((p) => p.nodeId === "proxy-1");
      await reached([second], () => [LDS, CDS, RDS, EDS].every((t) => proxy()?.types[t]?.state === "SYNCED"), "SYNCED");
      for (const [typeUrl, version] of held) {
        assert.equal(proxy()?.types[typeUrl]?.versionAcked, version, `${typeUrl} at the version held (same content)`);
      }
      assert.deepEqual(proxy()?.types[RDS]?.subscribed, ["r1"], "named subscriptions are resent");
      assert.equal(f.client.lastNack, undefined);

      await second.put(["clusters", cluster("c")]);
      await reached([f], () => f.client.acceptedVersion(CDS) !== held.get(CDS), "an update from the second");
      const reconnects = f.events.filter((e) => e.type === "reconnecting");
      assert.ok(reconnects.length >= 1);
    } finally {
      f.client.close();
      await second.close();
      first.kill("SIGKILL");
    }
  });

  test("failed attempts back off with growing jittered delays, and close() cancels the pending retry", async () => {
    const clock = new ManualClock();
    const address = `127.0.0.1:${await closedPort()}`;
    const client = new AdsClient({
      servers: [address],
      node: { id: "proxy-2", cluster: "edge", userAgentVersion: "0.1.0" },
      subscriptions: [{ typeUrl: LDS, wildcard: true, handler: () => undefined }],
      logger: pino({ level: "silent" }),
      clock,
      random: () => 0.5,
    });
    const delays: number[] = [];
    client.subscribe((event) => {
      if (event.type === "reconnecting") delays.push(event.delayMs);
    });
    // The client sets its retry timer as it reports `reconnecting`: once the event is seen, the timer is pending.
    const retries = (n: number, what: string) =>
      until([client.subscribe.bind(client)], () => delays.length === n, what);
    try {
      client.start();
      for (let attempt = 0; attempt < 3; attempt++) {
        await retries(attempt + 1, `retry ${attempt} scheduled`);
        assert.equal(clock.pendingCount, 1, "one retry timer per reported retry");
        await clock.advance(clock.delays()[0] ?? 0);
      }
      await retries(4, "a fourth retry scheduled");
      assert.equal(clock.pendingCount, 1);
      assert.deepEqual(delays, [250, 500, 1_000, 2_000]);
      assert.equal(client.connected, false);
    } finally {
      client.close();
    }
    assert.equal(clock.pendingCount, 0, "no timer left after close()");
  });

  test("an outage is logged once when it starts and once when it ends; each attempt only at debug", async () => {
    const clock = new ManualClock();
    const lines: { level: number; msg: string; attempts?: number }[] = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const harness = await startHarness();
    const [down1, down2] = [`127.0.0.1:${await closedPort()}`, `127.0.0.1:${await closedPort()}`];
    const client = new AdsClient({
      servers: [down1, down2, harness.address],
      node: { id: "proxy-3", cluster: "edge", userAgentVersion: "0.1.0" },
      subscriptions: [{ typeUrl: LDS, wildcard: true, handler: () => undefined }],
      logger,
      clock,
      random: () => 0.5,
    });
    const said = (msg: string) => lines.filter((l) => l.msg === msg);
    const events = client.subscribe.bind(client);
    let reconnecting = 0;
    client.subscribe((event) => {
      if (event.type === "reconnecting") reconnecting += 1;
    });
    try {
      client.start();
      for (let attempt = 0; attempt < 2; attempt++) {
        await until([events], () => reconnecting === attempt + 1, `retry ${attempt} scheduled`);
        assert.equal(clock.pendingCount, 1, "one retry timer per reported retry");
        await clock.advance(clock.delays()[0] ?? 0);
      }
      await until([events], () => client.connected, "connected to the third server", 5_000);
      const waiting = said("waiting for the control plane");
      assert.equal(waiting.length, 1, "one line for the whole outage");
      assert.equal(waiting[0]?.level, 40, "at warn");
      const attempts = said("reconnecting to control plane");
      assert.equal(attempts.length, 2);
      assert.ok(
        attempts.every((l) => l.level === 20),
        "attempts at debug",
      );
      const back = said("reconnected to control plane");
      assert.equal(back.length, 1);
      assert.equal(back[0]?.level, 30, "at info");
      assert.equal(back[0]?.attempts, 2);

      await harness.close();
      await until([events], () => reconnecting === 3, "a retry after the second outage began", 5_000);
      assert.equal(clock.pendingCount, 1);
      assert.equal(said("waiting for the control plane").length, 2, "a new outage is said again");
    } finally {
      client.close();
      await harness.close();
    }
  });

  test("close() leaves no handle behind: a process that synced and closed exits on its own", async () => {
    const child = runFixture("sync-then-close.ts");
    const killer = setTimeout(() => child.kill("SIGKILL"), 8_000);
    const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
    clearTimeout(killer);
    assert.equal(signal, null, "the process had to be killed");
    assert.equal(code, 0);
  });
});
