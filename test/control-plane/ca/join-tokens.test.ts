// Join tokens: created for one service, kept only as a digest, verified, expired and revoked on an
// injected clock.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { JoinTokens } from "../../../control-plane/src/ca/index.js";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { MemoryStore } from "../../../control-plane/src/store/index.js";
import { rejectsWith } from "./refusals.js";

const T0 = Date.parse("2026-12-01T00:00:00Z");

function setup() {
  let now = T0;
  const store = new MemoryStore();
  const tokens = new JoinTokens({ secrets: store, now: () => now });
  return { store, tokens, advance: (ms: number) => (now += ms) };
}

describe("join tokens", () => {
  test("a token proves its service; the store keeps its record and digest, never the token", async () => {
    const { store, tokens } = setup();
    const created = await tokens.create({ service: "web" });
    assert.match(created.token, /^weft\.[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/);
    assert.ok(created.token.includes(created.id));
    assert.deepEqual(
      {
        service: created.service,
        createdAt: created.createdAt,
        expiresAt: created.expiresAt,
        revokedAt: created.revokedAt,
      },
      { service: "web", createdAt: new Date(T0).toISOString(), expiresAt: null, revokedAt: null },
    );
    const verified = await tokens.verify(created.token);
    assert.equal(verified.service, "web");
    assert.equal(verified.id, created.id);
    const secret = created.token.split(".")[2] ?? "";
    for (const { value } of await store.secrets("")) assert.ok(!value.includes(secret), "the secret is not stored");
    const { token: _token, ...view } = created;
    assert.deepEqual(await tokens.list(), [view]);
  });

  test("a token altered, truncated, for an unknown id or not a token at all is refused alike", async () => {
    const { tokens } = setup();
    const { token } = await tokens.create({ service: "web" });
    const last = token.at(-1) === "A" ? "B" : "A";
    const unknownId = token.replace(/^weft\.[0-9a-f]{12}/, "weft.000000000000");
    for (const bad of [`${token.slice(0, -1)}${last}`, token.slice(0, -1), unknownId, "", "Bearer x", `${token}x`]) {
      await rejectsWith(() => tokens.verify(bad), ErrorCode.tokenInvalid, "token");
    }
  });

  test("a token with a TTL is valid until it expires, then refused", async () => {
    const { tokens, advance } = setup();
    const created = await tokens.create({ service: "catalog", ttlMs: 60_000 });
    assert.equal(created.expiresAt, new Date(T0 + 60_000).toISOString());
    advance(59_999);
    assert.equal((await tokens.verify(created.token)).service, "catalog");
    advance(1);
    await rejectsWith(() => tokens.verify(created.token), ErrorCode.tokenInvalid, "token");
  });

  test("a revoked token is refused from then on, shows when it was revoked, and revoking again keeps that time", async () => {
    const { tokens, advance } = setup();
    const kept = await tokens.create({ service: "web" });
    const revokedOne = await tokens.create({ service: "web" });
    advance(5_000);
    const revoked = await tokens.revoke(revokedOne.id);
    assert.equal(revoked.revokedAt, new Date(T0 + 5_000).toISOString());
    await rejectsWith(() => tokens.verify(revokedOne.token), ErrorCode.tokenInvalid, "token");
    assert.equal((await tokens.verify(kept.token)).id, kept.id, "the other token still works");
    advance(5_000);
    assert.equal((await tokens.revoke(revokedOne.id)).revokedAt, revoked.revokedAt);
    const listed = await tokens.list();
    assert.equal(listed.find((t) => t.id === revokedOne.id)?.revokedAt, revoked.revokedAt);
    assert.equal(listed.find((t) => t.id === kept.id)?.revokedAt, null);
  });

  test("revoking an id no token has is WEFT_NOT_FOUND; a bad service or TTL creates nothing", async () => {
    const { tokens } = setup();
    await rejectsWith(() => tokens.revoke("000000000000"), ErrorCode.notFound);
    await rejectsWith(() => tokens.revoke("../ca/root"), ErrorCode.notFound);
    await rejectsWith(() => tokens.create({ service: "Not_A_Service" }), ErrorCode.invalidIdentity, "service");
    for (const ttlMs of [0, -1, 1.5]) {
      await rejectsWith(() => tokens.create({ service: "web", ttlMs }), ErrorCode.badRequest, "ttlSeconds");
    }
    assert.deepEqual(await tokens.list(), []);
  });

  test("every token is distinct", async () => {
    const { tokens } = setup();
    const created = await Promise.all(Array.from({ length: 50 }, () => tokens.create({ service: "web" })));
    assert.equal(new Set(created.map((c) => c.token)).size, 50);
    assert.equal(new Set(created.map((c) => c.id)).size, 50);
    assert.equal((await tokens.list()).length, 50);
  });
});
