// The API's small tables and helpers: every error code has an HTTP status, fastify's own errors map
// into the README's error shape, route patterns tell 404 from 405, JSON diffs and If-Match parsing.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { toApiError } from "../../../control-plane/src/api/error-reply.js";
import { HTTP_STATUS, httpStatusOf } from "../../../control-plane/src/api/error-status.js";
import { parseIfMatch } from "../../../control-plane/src/api/if-match.js";
import { jsonDiff } from "../../../control-plane/src/api/json-diff.js";
import { RouteTable } from "../../../control-plane/src/api/route-table.js";
import { DetailCode, ErrorCode, WeftError } from "../../../control-plane/src/errors.js";

describe("the error code -> HTTP status table", () => {
  test("covers every code, with an error status", () => {
    for (const code of Object.values(ErrorCode)) {
      const status = HTTP_STATUS[code];
      assert.ok(status !== undefined && status >= 400 && status < 600, code);
    }
    assert.deepEqual(Object.keys(HTTP_STATUS).sort(), Object.values(ErrorCode).sort());
  });

  test("input errors are 4xx; only start-up refusals, internal and store failures are 5xx", () => {
    const fiveHundreds = Object.values(ErrorCode).filter((code) => httpStatusOf(code) >= 500);
    assert.deepEqual(
      fiveHundreds.sort(),
      [
        // Start-up refusals: what the server was told to listen on, the CA material it was given.
        ErrorCode.insecureListen,
        ErrorCode.listenFailed,
        ErrorCode.caInvalid,
        ErrorCode.internal,
        ErrorCode.storeFailed,
      ].sort(),
    );
  });

  test("an unknown code is a 500", () => {
    assert.equal(httpStatusOf("WEFT_SOMETHING_NEW"), 500);
  });
});

describe("toApiError", () => {
  test("a WeftError keeps its code, message and details", () => {
    const { status, body } = toApiError(
      new WeftError(ErrorCode.invalidResource, "bad", {
        details: [{ path: "a", message: "b", code: DetailCode.syntax }],
      }),
    );
    assert.equal(status, 400);
    assert.deepEqual(body, {
      error: {
        code: ErrorCode.invalidResource,
        message: "bad",
        details: [{ path: "a", message: "b", code: DetailCode.syntax }],
      },
    });
  });

  test("fastify's errors become WEFT_ codes", () => {
    const fastifyError = (code: string, statusCode: number) => Object.assign(new Error(code), { code, statusCode });
    assert.equal(toApiError(fastifyError("FST_ERR_CTP_BODY_TOO_LARGE", 413)).body.error.code, ErrorCode.bodyTooLarge);
    assert.equal(toApiError(fastifyError("FST_ERR_CTP_INVALID_MEDIA_TYPE", 415)).status, 415);
    assert.equal(toApiError(fastifyError("FST_ERR_SOMETHING", 400)).body.error.code, ErrorCode.badRequest);
  });

  test("anything else is a 500 that says nothing about the cause", () => {
    const { status, body, internal } = toApiError(new TypeError("secret detail"));
    assert.equal(status, 500);
    assert.equal(internal, true);
    assert.deepEqual(body, { error: { code: ErrorCode.internal, message: "internal error", details: [] } });
  });
});

describe("RouteTable", () => {
  test("finds the methods a path accepts", () => {
    const table = new RouteTable();
    table.add("GET", "/v1/resources/:kind/:name");
    table.add(["PUT", "DELETE"], "/v1/resources/:kind/:name");
    table.add("POST", "/v1/apply");
    table.add("GET", "/docs/*");
    assert.deepEqual(table.methodsFor("/v1/resources/clusters/a?x=1"), ["DELETE", "GET", "PUT"]);
    assert.deepEqual(table.methodsFor("/v1/apply"), ["POST"]);
    assert.deepEqual(table.methodsFor("/docs/static/x.js"), ["GET"]);
    assert.deepEqual(table.methodsFor("/v1/resources/clusters/a/b"), []);
  });
});

describe("jsonDiff", () => {
  test("lists changed, added and removed fields with their paths", () => {
    assert.deepEqual(jsonDiff({ a: 1, b: { c: [1, 2] }, d: "x" }, { a: 2, b: { c: [1] }, e: true }), [
      { path: "a", before: 1, after: 2 },
      { path: "b.c[1]", before: 2 },
      { path: "d", before: "x" },
      { path: "e", after: true },
    ]);
    assert.deepEqual(jsonDiff(undefined, { a: 1 }), [{ path: "", after: { a: 1 } }]);
    assert.deepEqual(jsonDiff({ a: [1] }, { a: [1] }), []);
    assert.deepEqual(jsonDiff({ a: { b: 1 } }, { a: [1] }), [{ path: "a", before: { b: 1 }, after: [1] }]);
  });
});

describe("parseIfMatch", () => {
  test("takes a revision, quoted or not, or *", () => {
    assert.equal(parseIfMatch(undefined), undefined);
    assert.equal(parseIfMatch("12"), 12);
    assert.equal(parseIfMatch('"12"'), 12);
    assert.equal(parseIfMatch(" 0 "), 0);
    assert.equal(parseIfMatch("*"), "*");
  });

  test("refuses anything else with 400 WEFT_BAD_REQUEST", () => {
    for (const value of ["", "x", "-1", "1.5", 'W/"1"', '"1', "1, 2", "9".repeat(20)]) {
      assert.throws(
        () => parseIfMatch(value),
        (error: unknown) => error instanceof WeftError && error.code === ErrorCode.badRequest,
        value,
      );
    }
  });
});
