// A failed listen in words: the cause found in a node error's code or in grpc-js's message, and
// the flag and environment variable that move the address.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { listenErrorCode, listenFailureMessage } from "../../control-plane/src/listen-failure.js";

const inUse = Object.assign(new Error("listen EADDRINUSE: address already in use 127.0.0.1:18080"), {
  code: "EADDRINUSE",
});
// What grpc-js's bindAsync rejects with: the system errors survive only as text.
const grpcInUse = new Error(
  "No address added out of total 1 resolved errors: [listen EADDRINUSE: address already in use 127.0.0.1:18000]",
);

describe("listenErrorCode", () => {
  test("reads node's error code, and grpc-js's message when there is no code", () => {
    assert.equal(listenErrorCode(inUse), "EADDRINUSE");
    assert.equal(listenErrorCode(grpcInUse), "EADDRINUSE");
    assert.equal(listenErrorCode(Object.assign(new Error("x"), { code: "EACCES" })), "EACCES");
  });

  test("is undefined for an error that names no known cause", () => {
    assert.equal(listenErrorCode(new Error("something else")), undefined);
    assert.equal(listenErrorCode(Object.assign(new Error("x"), { code: "ERR_SOMETHING" })), undefined);
  });
});

describe("listenFailureMessage", () => {
  test("a taken port is said in words, with the flag and its WEFT_ variable to change", () => {
    const message = listenFailureMessage("127.0.0.1:18080", "--api-listen", inUse);
    assert.match(message, /^127\.0\.0\.1:18080 is already in use \(EADDRINUSE\)/);
    assert.match(message, /--api-listen/);
    assert.match(message, /WEFT_API_LISTEN/);
  });

  test("an unknown cause keeps the original message and still names the flag", () => {
    const message = listenFailureMessage("[::1]:19000", "--admin-listen", new Error("strange failure"));
    assert.match(message, /strange failure/);
    assert.match(message, /--admin-listen or WEFT_ADMIN_LISTEN/);
  });
});
