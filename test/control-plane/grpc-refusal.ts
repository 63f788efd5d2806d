// How the tests of the control plane's own gRPC services read a refusal: its status and the
// WEFT_ code from the trailing metadata.
import assert from "node:assert/strict";
import type { ServiceError } from "@grpc/grpc-js";
import { ERROR_CODE_METADATA } from "../../control-plane/src/unary-calls.js";

/** The refusal `promise` ends with; fails the test if it succeeds. */
export async function refusal(promise: Promise<unknown>): Promise<{ code: number; weftCode: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as ServiceError;
    return { code: e.code, weftCode: e.metadata.get(ERROR_CODE_METADATA)[0] };
  }
  assert.fail("the call succeeded");
}
