// /v1/tokens: join tokens created (the token shown once), listed without secrets, and revoked.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { JoinTokens } from "../../../control-plane/src/ca/index.js";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { MemoryStore } from "../../../control-plane/src/store/index.js";
import { assertError, type Harness, harness } from "./harness.js";

let h: Harness;
afterEach(() => h.close());

async function withTokens(): Promise<JoinTokens> {
  const tokens = new JoinTokens({ secrets: new MemoryStore(), now: () => Date.now() });
  h = await harness({ joinTokens: tokens });
  return tokens;
}

function post(body: unknown) {
  return h.inject({
    method: "POST",
    url: "/v1/tokens",
    payload: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
}

describe("/v1/tokens", () => {
  test("POST creates a token for a service, shown in that answer only; GET lists it without its secret", async () => {
    const tokens = await withTokens();
    const created = await post({ service: "web", ttlSeconds: 3600 });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json() as { id: string; token: string; service: string; expiresAt: string };
    assert.equal(body.service, "web");
    assert.ok(Date.parse(body.expiresAt) > Date.now());
    assert.equal((await tokens.verify(body.token)).service, "web");

    const listed = await h.inject({ method: "GET", url: "/v1/tokens" });
    assert.equal(listed.statusCode, 200);
    const list = listed.json() as { tokens: Record<string, unknown>[] };
    assert.deepEqual(
      list.tokens.map((t) => [t.id, t.service, t.revokedAt]),
      [[body.id, "web", null]],
    );
    assert.ok(!listed.body.includes(body.token.split(".")[2] ?? "-"), "no secret in the list");
    assert.ok(!("token" in (list.tokens[0] ?? {})));
  });

  test("DELETE revokes: the token is refused from then on and listed with revokedAt; an unknown id is 404", async () => {
    const tokens = await withTokens();
    const { id, token } = (await post({ service: "catalog" })).json() as { id: string; token: string };
    const revoked = await h.inject({ method: "DELETE", url: `/v1/tokens/${id}` });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.equal(typeof (revoked.json() as { revokedAt: unknown }).revokedAt, "string");
    await assert.rejects(tokens.verify(token), { code: ErrorCode.tokenInvalid });
    assertError(await h.inject({ method: "DELETE", url: "/v1/tokens/000000000000" }), 404, ErrorCode.notFound);
  });

  test("a bad request names its field and creates nothing", async () => {
    const tokens = await withTokens();
    const cases: [unknown, number, string, string][] = [
      [{}, 400, ErrorCode.badRequest, "service"],
      [{ service: "web", ttlSeconds: 0 }, 400, ErrorCode.badRequest, "ttlSeconds"],
      [{ service: "web", ttlSeconds: 1.5 }, 400, ErrorCode.badRequest, "ttlSeconds"],
      [{ service: "web", role: "admin" }, 400, ErrorCode.badRequest, "role"],
      [{ service: "Web_1" }, 400, ErrorCode.invalidIdentity, "service"],
    ];
    for (const [body, status, code, path] of cases) {
      const error = assertError(await post(body), status, code) as { details: { path: string }[] };
      assert.ok(
        error.details.some((d) => d.path.includes(path)),
        `${JSON.stringify(body)}: ${JSON.stringify(error.details)}`,
      );
    }
    assert.deepEqual(await tokens.list(), []);
  });

  test("a control plane without join or API tokens lists none and creates none (404 WEFT_NOT_FOUND)", async () => {
    h = await harness();
    const listed = await h.inject({ method: "GET", url: "/v1/tokens" });
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(listed.json(), { tokens: [] });
    assertError(await post({ service: "web" }), 404, ErrorCode.notFound);
    assertError(await post({ role: "read" }), 404, ErrorCode.notFound);
  });
});
