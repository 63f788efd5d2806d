// Concurrent writers: If-Match lets exactly one of two racing writers win, and writes without it
// are never lost.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { assertError, type Harness, harness, put, route, staticCluster } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await harness({ writeRateLimit: false });
});
afterEach(() => h.close());

describe("concurrent writers", () => {
  test("two PUTs with the same If-Match: exactly one wins, the other gets 409", async () => {
    const { revision } = (await put(h, "clusters", "web", staticCluster("web"))).json();
    for (let round = 0; round < 20; round++) {
      const current = (await h.store.get("clusters", "web"))?.modRevision ?? revision;
      const results = await Promise.all([
        put(h, "clusters", "web", staticCluster("web", 1000 + round * 2), { "if-match": String(current) }),
        put(h, "clusters", "web", staticCluster("web", 1001 + round * 2), { "if-match": String(current) }),
      ]);
      const statuses = results.map((r) => r.statusCode).sort();
      assert.deepEqual(statuses, [200, 409], `round ${round}`);
      const loser = results.find((r) => r.statusCode === 409);
      if (loser) assertError(loser, 409, ErrorCode.conflict);
      const winner = results.find((r) => r.statusCode === 200)?.json();
      assert.equal((await h.store.get("clusters", "web"))?.version, winner.version, "the winner's content is stored");
    }
  });

  test("two applies with the same If-Match: exactly one wins", async () => {
    const apply = (name: string) =>
      h.inject({
        method: "POST",
        url: "/v1/apply",
        headers: { "content-type": "application/json", "if-match": "0" },
        payload: JSON.stringify({ resources: [{ kind: "clusters", resource: staticCluster(name) }] }),
      });
    const statuses = (await Promise.all([apply("a"), apply("b")])).map((r) => r.statusCode).sort();
    assert.deepEqual(statuses, [200, 409]);
    assert.equal((await h.store.current()).resources.length, 1);
  });

  test("many concurrent writers without If-Match lose no update", async () => {
    const writes = Array.from({ length: 100 }, (_, i) =>
      put(h, "clusters", `c${i % 25}-${i}`, staticCluster(`c${i % 25}-${i}`)),
    );
    const results = await Promise.all(writes);
    assert.ok(results.every((r) => r.statusCode === 200));
    const revisions = new Set(results.map((r) => r.json().revision));
    assert.equal(revisions.size, 100, "each write its own revision");
    assert.equal((await h.store.current()).resources.length, 100);
  });

  test("a delete never commits after a reference to its resource was committed", async () => {
    for (let round = 0; round < 10; round++) {
      const cluster = `web${round}`;
      await put(h, "clusters", cluster, staticCluster(cluster));
      const [deleted, referenced] = await Promise.all([
        h.inject({ method: "DELETE", url: `/v1/resources/clusters/${cluster}` }),
        put(h, "routes", `r${round}`, route(`r${round}`, cluster)),
      ]);
      assert.equal(referenced.statusCode, 200);
      if (deleted.statusCode === 200) {
        assert.ok(referenced.json().revision > deleted.json().revision, "the route was written after the delete");
      } else {
        assertError(deleted, 409, ErrorCode.referenced);
        assert.ok(await h.store.get("clusters", cluster));
      }
    }
  });
});
