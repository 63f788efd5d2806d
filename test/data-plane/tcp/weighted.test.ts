import assert from "node:assert/strict";
import { test } from "node:test";
import { connect, readAll, startBackend, startProxy, tcpCluster } from "./harness.js";

test("weighted clusters share connections by weight", async () => {
  const heavy = await startBackend((socket) => socket.end("heavy"));
  const light = await startBackend((socket) => socket.end("light"));
  const proxy = await startProxy(
    {
      weightedClusters: [
        { name: "heavy", weight: 3 },
        { name: "light", weight: 1 },
      ],
    },
    [tcpCluster("heavy", [heavy.port]), tcpCluster("light", [light.port])],
  );

  const counts = new Map<string, number>();
  const total = 200;
  for (let batch = 0; batch < total / 20; batch++) {
    const answers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const client = await connect(proxy.port);
        const answer = await readAll(client);
        client.end();
        return answer.toString();
      }),
    );
    for (const answer of answers) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  }
  const heavyCount = counts.get("heavy") ?? 0;
  assert.equal(heavyCount + (counts.get("light") ?? 0), total);
  // Expected 150 of 200; the bounds sit about five standard deviations out.
  assert.ok(heavyCount > 120 && heavyCount < 180, `heavy got ${heavyCount} of ${total}`);

  await proxy.recorded(total);
  assert.equal(proxy.records.filter((r) => r.cluster === "heavy").length, heavyCount);

  await proxy.close();
  await heavy.close();
  await light.close();
});
