import assert from "node:assert/strict";
import { test } from "node:test";
import { assignment, edsCluster } from "../upstream/backends.js";
import { closed, connect, echo, localEndpoint, readAll, startBackend, startProxy } from "./harness.js";

test("a connection to a warming cluster waits for its endpoints, its early bytes held, then proxies", async () => {
  const backend = await startBackend(echo);
  const cluster = edsCluster("later");
  const proxy = await startProxy({ cluster: "later" }, [cluster]);

  const client = await connect(proxy.port);
  const reply = readAll(client);
  client.write("sent while warming");
  await new Promise((resolve) => setTimeout(resolve, 50));
  await proxy.clusters.update([cluster], new Map([["later", assignment("later", localEndpoint(backend.port))]]));
  client.end();
  assert.equal((await reply).toString(), "sent while warming");
  await closed(client);
  assert.deepEqual((await proxy.nextRecord()).responseFlags, []);

  await proxy.close();
  await backend.close();
});
