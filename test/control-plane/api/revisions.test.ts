// /v1/revisions: history, one revision as a diff, rollback as a new revision.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { assertError, assertNothingStored, type Harness, harness, put, route, staticCluster } from "./harness.js";

let h: Harness;
afterEach(() => h.close());

describe("GET /v1/revisions", () => {
  test("lists revisions newest first with time, description and what changed", async () => {
    h = await harness();
    await put(h, "clusters", "a", staticCluster("a"));
    await put(h, "routes", "r", route("r", "a"));
    await h.inject({ method: "DELETE", url: "/v1/resources/routes/r" });
    const response = await h.inject({ method: "GET", url: "/v1/revisions" });
    assert.equal(response.statusCode, 200);
    const { revisions } = response.json();
    assert.deepEqual(
      revisions.map((r: { revision: number }) => r.revision),
      [3, 2, 1],
    );
    assert.deepEqual(revisions[0].changes, [{ kind: "routes", name: "r", op: "delete", action: "deleted" }]);
    assert.deepEqual(revisions[2].changes, [{ kind: "clusters", name: "a", op: "put", action: "created" }]);
    assert.equal(revisions[2].description, "put clusters/a");
    assert.ok(!Number.isNaN(Date.parse(revisions[0].time)));
    assert.deepEqual(Object.keys(revisions[0]).sort(), ["changes", "description", "revision", "time"]);
  });

  test("a put says whether it created the resource or changed it, in the list and in one revision", async () => {
    h = await harness();
    await put(h, "clusters", "a", staticCluster("a", 80));
    await put(h, "clusters", "a", staticCluster("a", 81));
    const { revisions } = (await h.inject({ method: "GET", url: "/v1/revisions" })).json();
    assert.deepEqual(
      revisions.map((r: { changes: { action: string }[] }) => r.changes.map((c) => c.action)),
      [["changed"], ["created"]],
    );
    const detail = (await h.inject({ method: "GET", url: "/v1/revisions/2" })).json();
    assert.equal(detail.changes[0].action, "changed");
  });

  test("pages with limit and before", async () => {
    h = await harness();
    for (let i = 0; i < 5; i++) await put(h, "clusters", `c${i}`, staticCluster(`c${i}`));
    const page = (await h.inject({ method: "GET", url: "/v1/revisions?limit=2&before=4" })).json();
    assert.deepEqual(
      page.revisions.map((r: { revision: number }) => r.revision),
      [3, 2],
    );
  });

  test("an empty store has no history", async () => {
    h = await harness();
    assert.deepEqual((await h.inject({ method: "GET", url: "/v1/revisions" })).json(), { revisions: [] });
  });
});

describe("GET /v1/revisions/REV", () => {
  test("shows each change with before and after, and a field-by-field diff", async () => {
    h = await harness();
    await put(h, "clusters", "a", staticCluster("a", 80));
    await put(h, "clusters", "a", { ...staticCluster("a", 81), connect_timeout: "1s" });
    const response = await h.inject({ method: "GET", url: "/v1/revisions/2" });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.revision, 2);
    assert.equal(body.description, "put clusters/a");
    const [change] = body.changes;
    assert.equal(change.op, "put");
    assert.equal(change.before.resource.connect_timeout, "0.250s");
    assert.equal(change.after.resource.connect_timeout, "1s");
    assert.notEqual(change.before.version, change.after.version);
    assert.deepEqual(change.diff, [
      { path: "connect_timeout", before: "0.250s", after: "1s" },
      {
        path: "load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value",
        before: 80,
        after: 81,
      },
    ]);
  });

  test("a creation has before null; a deletion has after null", async () => {
    h = await harness();
    await put(h, "clusters", "a", staticCluster("a"));
    await h.inject({ method: "DELETE", url: "/v1/resources/clusters/a" });
    const created = (await h.inject({ method: "GET", url: "/v1/revisions/1" })).json().changes[0];
    assert.equal(created.before, null);
    assert.equal(created.after.resource.name, "a");
    assert.deepEqual(created.diff, [{ path: "", after: created.after.resource }]);
    const deleted = (await h.inject({ method: "GET", url: "/v1/revisions/2" })).json().changes[0];
    assert.equal(deleted.op, "delete");
    assert.equal(deleted.after, null);
  });

  test("404 WEFT_REVISION_NOT_FOUND for a revision not committed yet", async () => {
    h = await harness();
    await put(h, "clusters", "a", staticCluster("a"));
    assertError(await h.inject({ method: "GET", url: "/v1/revisions/2" }), 404, ErrorCode.revisionNotFound);
    assertError(await h.inject({ method: "GET", url: "/v1/revisions/0" }), 404, ErrorCode.revisionNotFound);
  });

  test("404 WEFT_REVISION_COMPACTED for one older than the history kept", async () => {
    h = await harness({ store: { historyLimit: 2 } });
    for (let i = 0; i < 4; i++) await put(h, "clusters", "a", staticCluster("a", 80 + i));
    assertError(await h.inject({ method: "GET", url: "/v1/revisions/1" }), 404, ErrorCode.compacted);
    assert.equal((await h.inject({ method: "GET", url: "/v1/revisions/4" })).statusCode, 200);
  });
});

describe("POST /v1/revisions/REV/rollback", () => {
  test("creates a new revision whose state equals the old one", async () => {
    h = await harness();
    await put(h, "clusters", "a", staticCluster("a", 80)); // 1
    await put(h, "clusters", "b", staticCluster("b")); // 2
    const target = await h.store.stateAt(2);
    await put(h, "clusters", "a", staticCluster("a", 81)); // 3
    await h.inject({ method: "DELETE", url: "/v1/resources/clusters/b" }); // 4
    await put(h, "clusters", "c", staticCluster("c")); // 5

    const response = await h.inject({ method: "POST", url: "/v1/revisions/2/rollback" });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.revision, 6);
    assert.equal(body.rolledBackTo, 2);
    assert.deepEqual(body.changes, [
      { kind: "clusters", name: "a", op: "put", action: "changed" },
      { kind: "clusters", name: "b", op: "put", action: "created" },
      { kind: "clusters", name: "c", op: "delete", action: "deleted" },
    ]);
    const now = await h.store.current();
    assert.deepEqual(
      now.resources.map((r) => [r.kind, r.name, r.version]),
      target.resources.map((r) => [r.kind, r.name, r.version]),
    );
    const record = await h.store.revisionRecord(6);
    assert.equal(record?.description, "rollback to 2");
  });

  test("rolling back to the current state changes nothing", async () => {
    h = await harness();
    await put(h, "clusters", "a", staticCluster("a"));
    await assertNothingStored(h, async () => {
      const body = (await h.inject({ method: "POST", url: "/v1/revisions/1/rollback" })).json();
      assert.deepEqual(body, { revision: 1, rolledBackTo: 1, changes: [] });
    });
  });

  test("404 for a revision that does not exist or was compacted, and nothing changes", async () => {
    h = await harness({ store: { historyLimit: 2 } });
    for (let i = 0; i < 4; i++) await put(h, "clusters", "a", staticCluster("a", 80 + i));
    await assertNothingStored(h, async () => {
      assertError(await h.inject({ method: "POST", url: "/v1/revisions/9/rollback" }), 404, ErrorCode.revisionNotFound);
      assertError(await h.inject({ method: "POST", url: "/v1/revisions/1/rollback" }), 404, ErrorCode.compacted);
    });
  });

  test("If-Match states the store revision expected", async () => {
    h = await harness();
    await put(h, "clusters", "a", staticCluster("a"));
    await put(h, "clusters", "b", staticCluster("b"));
    await assertNothingStored(h, async () =>
      assertError(
        await h.inject({ method: "POST", url: "/v1/revisions/1/rollback", headers: { "if-match": "1" } }),
        409,
        ErrorCode.conflict,
      ),
    );
    const ok = await h.inject({ method: "POST", url: "/v1/revisions/1/rollback", headers: { "if-match": "2" } });
    assert.equal(ok.statusCode, 200);
  });
});
