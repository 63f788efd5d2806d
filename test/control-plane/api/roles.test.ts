// API tokens with roles: read may GET, write may also change config, admin may also manage
// tokens; the --api-token is an admin; revoked, expired and join tokens are not API tokens.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { ApiTokens, requiredRole, roleAllows } from "../../../control-plane/src/api/api-tokens.js";
import { JoinTokens } from "../../../control-plane/src/ca/index.js";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { MemoryStore } from "../../../control-plane/src/store/index.js";
import { assertError, type Harness, harness, staticCluster } from "./harness.js";

const ADMIN = "operator-secret";
let h: Harness;
afterEach(() => h.close());

async function setup() {
  let now = Date.parse("2026-12-01T00:00:00Z");
  const secrets = new MemoryStore();
  const apiTokens = new ApiTokens({ secrets, now: () => now });
  const joinTokens = new JoinTokens({ secrets, now: () => now });
  h = await harness({ token: ADMIN, apiTokens, joinTokens });
  return { apiTokens, joinTokens, advance: (ms: number) => (now += ms) };
}

function as(token: string, method: "GET" | "PUT" | "POST" | "DELETE", url: string, body?: unknown) {
  return h.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}

describe("API token roles", () => {
  test("read GETs only; write also changes config; admin also manages tokens; --api-token is an admin", async () => {
    const { apiTokens } = await setup();
    const read = (await apiTokens.create({ role: "read" })).token;
    const write = (await apiTokens.create({ role: "write" })).token;
    const admin = (await apiTokens.create({ role: "admin" })).token;
    const cluster = (name: string) => staticCluster(name);

    assert.equal((await as(read, "GET", "/v1/resources/clusters")).statusCode, 200);
    assert.equal((await as(read, "GET", "/v1/ca")).statusCode, 404, "read reaches the route (no CA here)");
    assertError(await as(read, "PUT", "/v1/resources/clusters/a", cluster("a")), 403, ErrorCode.forbidden);
    assertError(await as(read, "GET", "/v1/tokens"), 403, ErrorCode.forbidden);

    assert.equal((await as(write, "PUT", "/v1/resources/clusters/a", cluster("a"))).statusCode, 200);
    assert.equal((await as(write, "DELETE", "/v1/resources/clusters/a")).statusCode, 200);
    assertError(await as(write, "GET", "/v1/tokens"), 403, ErrorCode.forbidden);
    assertError(await as(write, "POST", "/v1/tokens", { role: "admin" }), 403, ErrorCode.forbidden);

    assert.equal((await as(admin, "POST", "/v1/tokens", { role: "read" })).statusCode, 201);
    assert.equal((await as(admin, "PUT", "/v1/resources/clusters/b", cluster("b"))).statusCode, 200);
    assert.equal((await as(ADMIN, "GET", "/v1/tokens")).statusCode, 200);
    assert.equal((await as(ADMIN, "POST", "/v1/tokens", { role: "write" })).statusCode, 201);
  });

  test("a revoked or expired API token, a join token and a stranger's token are 401 WEFT_TOKEN_INVALID", async () => {
    const { apiTokens, joinTokens, advance } = await setup();
    const revoked = await apiTokens.create({ role: "admin" });
    await apiTokens.revoke(revoked.id);
    const expiring = (await apiTokens.create({ role: "read", ttlMs: 60_000 })).token;
    assert.equal((await as(expiring, "GET", "/v1/resources/clusters")).statusCode, 200);
    advance(60_000);
    const join = (await joinTokens.create({ service: "web" })).token;
    for (const token of [revoked.token, expiring, join, "weft.000000000000.AAAA", "not-ours"]) {
      assertError(await as(token, "GET", "/v1/resources/clusters"), 401, ErrorCode.tokenInvalid);
    }
    assert.equal((await h.inject({ method: "GET", url: "/healthz" })).statusCode, 200, "healthz needs no token");
  });

  test("tokens are listed with their kind and role or service, and a role that is not one is refused", async () => {
    await setup();
    await as(ADMIN, "POST", "/v1/tokens", { role: "write" });
    await as(ADMIN, "POST", "/v1/tokens", { service: "web" });
    const listed = (await as(ADMIN, "GET", "/v1/tokens")).json() as { tokens: Record<string, unknown>[] };
    assert.deepEqual(listed.tokens.map((t) => [t.kind, t.role ?? t.service]).sort(), [
      ["api", "write"],
      ["join", "web"],
    ]);
    assertError(await as(ADMIN, "POST", "/v1/tokens", { role: "root" }), 400, ErrorCode.badRequest);
    assertError(await as(ADMIN, "POST", "/v1/tokens", {}), 400, ErrorCode.badRequest);
  });

  test("what each request needs: admin for /v1/tokens, read for GET and HEAD, write otherwise", () => {
    assert.equal(requiredRole("GET", "/v1/tokens"), "admin");
    assert.equal(requiredRole("DELETE", "/v1/tokens/abc"), "admin");
    assert.equal(requiredRole("GET", "/v1/tokensx"), "read");
    assert.equal(requiredRole("HEAD", "/v1/resources/clusters"), "read");
    assert.equal(requiredRole("POST", "/v1/apply"), "write");
    assert.equal(requiredRole("PUT", "/v1/registrations/n"), "write");
    assert.ok(roleAllows("admin", "write") && roleAllows("write", "read") && roleAllows("read", "read"));
    assert.ok(!roleAllows("read", "write") && !roleAllows("write", "admin"));
  });
});
