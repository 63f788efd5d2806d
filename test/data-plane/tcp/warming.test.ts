import assert from "node:assert/strict";
import { test } from "node:test";
import { type Clock, systemClock } from "../../../time/index.js";
import { assignment, edsCluster } from "../upstream/backends.js";
import { closed, connect, echo, localEndpoint, readAll, startBackend, startProxy } from "./harness.js";

test("a connection to a warming cluster waits for its endpoints, its early bytes held, then proxies", async () => {
  const backend = await startBackend(echo);
  const cluster = edsCluster("later");
  // The cluster manager's only timer here is the connection's wait for the warming cluster: its
  // setting tells the test that the connection is waiting.
  let waitStarted!: () => void;
  const waiting = new Promise<void>((resolve) => {
    waitStarted = resolve;
  });
  const clock: Clock = {
    now: () => systemClock.now(),
    setTimeout: (callback, ms) => {
      waitStarted();
      return systemClock.setTimeout(callback, ms);
    },
    clearTimeout: (timer) => systemClock.clearTimeout(timer),
  };
  const proxy = await startProxy({ cluster: "later" }, [cluster], new Map(), undefined, clock);

  const client = await connect(proxy.port);
  const reply = readAll(client);
  client.write("sent while warming");
  await waiting;
  await proxy.clusters.update([cluster], new Map([["later", assignment("later", localEndpoint(backend.port))]]));
  client.end();
  assert.equal((await reply).toString(), "sent while warming");
  await closed(client);
  assert.deepEqual((await proxy.nextRecord()).responseFlags, []);

  await proxy.close();
  await backend.close();
});
