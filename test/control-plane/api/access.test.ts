// Who may use the API and how much: bearer tokens, the write rate limit, the listen guard.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { bearerMatches, checkBearer } from "../../../control-plane/src/api/auth.js";
import { assertSafeListen, isLoopbackHost } from "../../../control-plane/src/api/listen-guard.js";
import { TokenBuckets } from "../../../control-plane/src/api/rate-limit.js";
import { ErrorCode, WeftError } from "../../../control-plane/src/errors.js";
import { assertError, assertNothingStored, type Harness, harness, put, staticCluster } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("with a token", () => {
  const token = "s3cret-token";

  test("requests without Authorization get 401 WEFT_UNAUTHORIZED with WWW-Authenticate: Bearer", async () => {
    h = await harness({ token });
    const api = h;
    for (const url of [
      "/v1/resources/clusters",
      "/v1/proxies",
      "/v1/revisions",
      "/metrics",
      "/openapi.json",
      "/docs",
      "/nope",
    ]) {
      const response = await api.inject({ method: "GET", url });
      assertError(response, 401, ErrorCode.unauthorized);
      assert.match(String(response.headers["www-authenticate"]), /^Bearer/);
    }
  });

  test('a wrong bearer token gets 401 WEFT_TOKEN_INVALID with error="invalid_token", and writes nothing', async () => {
    h = await harness({ token });
    const api = h;
    for (const authorization of ["Bearer wrong", `Bearer ${token}x`, `bearer ${token.slice(1)}`]) {
      await assertNothingStored(api, async () => {
        const response = await put(api, "clusters", "web", staticCluster("web"), { authorization });
        assertError(response, 401, ErrorCode.tokenInvalid);
        assert.match(String(response.headers["www-authenticate"]), /^Bearer .*error="invalid_token"/);
      });
    }
  });

  test("another scheme, or Bearer without a token, counts as no token: 401 WEFT_UNAUTHORIZED, no error code in the challenge", async () => {
    h = await harness({ token });
    const api = h;
    for (const authorization of [`Basic ${token}`, token, "Bearer", "Bearer ", ""]) {
      await assertNothingStored(api, async () => {
        const response = await put(api, "clusters", "web", staticCluster("web"), { authorization });
        assertError(response, 401, ErrorCode.unauthorized);
        assert.match(String(response.headers["www-authenticate"]), /^Bearer/);
        assert.doesNotMatch(String(response.headers["www-authenticate"]), /error=/);
      });
    }
  });

  test("checkBearer tells a missing token from a wrong one", () => {
    const expected = Buffer.from("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "hex");
    assert.equal(checkBearer("Bearer test", expected), "valid");
    assert.equal(checkBearer("Bearer nope", expected), "invalid");
    assert.equal(checkBearer(undefined, expected), "missing");
    assert.equal(checkBearer("Basic test", expected), "missing");
  });

  test("the right token is let through, on reads and writes", async () => {
    h = await harness({ token });
    const authorization = `Bearer ${token}`;
    assert.equal((await put(h, "clusters", "web", staticCluster("web"), { authorization })).statusCode, 200);
    const read = await h.inject({
      method: "GET",
      url: "/v1/resources/clusters/web",
      headers: { authorization: `bearer ${token}` },
    });
    assert.equal(read.statusCode, 200);
  });

  test("/healthz needs no token", async () => {
    h = await harness({ token });
    assert.equal((await h.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
  });

  test("bearerMatches compares whole tokens", () => {
    const expected = Buffer.from(
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", // sha256("test")
      "hex",
    );
    assert.equal(bearerMatches("Bearer test", expected), true);
    assert.equal(bearerMatches("Bearer  test ", expected), true);
    assert.equal(bearerMatches("Bearer tes", expected), false);
    assert.equal(bearerMatches(undefined, expected), false);
  });
});

describe("without a token", () => {
  test("everything is open", async () => {
    h = await harness();
    assert.equal((await put(h, "clusters", "web", staticCluster("web"))).statusCode, 200);
  });
});

describe("write rate limit", () => {
  test("writes beyond the burst get 429 WEFT_RATE_LIMITED with Retry-After, reads do not", async () => {
    let now = 0;
    h = await harness({ writeRateLimit: { max: 1, windowMs: 2000, burst: 2 }, now: () => now });
    const api = h;
    assert.equal((await put(api, "clusters", "a", staticCluster("a"))).statusCode, 200);
    assert.equal((await put(api, "clusters", "b", staticCluster("b"))).statusCode, 200);
    await assertNothingStored(api, async () => {
      const limited = await put(api, "clusters", "c", staticCluster("c"));
      assertError(limited, 429, ErrorCode.rateLimited);
      assert.equal(limited.headers["retry-after"], "2");
      assertError(await api.inject({ method: "DELETE", url: "/v1/resources/clusters/a" }), 429, ErrorCode.rateLimited);
    });
    assert.equal((await api.inject({ method: "GET", url: "/v1/resources/clusters" })).statusCode, 200);
    now += 2000;
    assert.equal((await put(api, "clusters", "c", staticCluster("c"))).statusCode, 200, "refilled");
  });

  test("writeRateLimit: false turns it off", async () => {
    h = await harness({ writeRateLimit: false });
    for (let i = 0; i < 50; i++)
      assert.equal((await put(h, "clusters", `c${i}`, staticCluster(`c${i}`))).statusCode, 200);
  });

  test("each client address has its own bucket", () => {
    let now = 0;
    const buckets = new TokenBuckets({ max: 10, windowMs: 1000, burst: 1 }, () => now);
    assert.equal(buckets.take("a"), 0);
    assert.equal(buckets.take("b"), 0);
    assert.equal(buckets.take("a"), 100, "a token every 100 ms");
    now += 100;
    assert.equal(buckets.take("a"), 0);
  });
});

describe("assertSafeListen", () => {
  test("loopback addresses need no token", () => {
    for (const host of [
      "127.0.0.1",
      "127.1.2.3",
      "::1",
      "[::1]",
      "localhost",
      "LOCALHOST",
      "::ffff:127.0.0.1",
      "0:0:0:0:0:0:0:1",
    ]) {
      assert.ok(isLoopbackHost(host), host);
      assertSafeListen(host, undefined);
    }
  });

  test("any other address without a token is refused with WEFT_INSECURE_LISTEN", () => {
    for (const host of [
      "0.0.0.0",
      "::",
      "",
      "10.0.0.1",
      "192.168.1.1",
      "example.com",
      "128.0.0.1",
      "::ffff:10.0.0.1",
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
      assert.throws(
        () => assertSafeListen(host, undefined),
        (error: unknown) => error instanceof WeftError && error.code === ErrorCode.insecureListen,
      );
      assert.throws(() => assertSafeListen(host, ""), WeftError);
      assertSafeListen(host, "token");
    }
  });
});
