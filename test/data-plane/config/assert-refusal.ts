import assert from "node:assert/strict";
import { ConfigError, type ConfigErrorCode } from "../../../data-plane/src/config/index.js";

/** Asserts `build` throws a ConfigError with `code` whose message names the resource and the field path. */
export function assertRefused(
  build: () => unknown,
  code: ConfigErrorCode,
  resource: string,
  field: string,
  detail?: RegExp,
): ConfigError {
  let caught: unknown;
  try {
    build();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.field, field, caught.message);
  assert.ok(caught.message.includes(`"${resource}"`), caught.message);
  assert.ok(caught.message.includes(`${field}: `), caught.message);
  if (detail) assert.match(caught.message, detail);
  return caught;
}

/** Asserts every object reachable through plain properties and arrays is frozen. */
export function assertDeepFrozen(value: unknown, path = "value"): void {
  if (typeof value !== "object" || value === null) return;
  assert.ok(Object.isFrozen(value), `${path} is not frozen`);
  if (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, child] of Object.entries(value)) assertDeepFrozen(child, `${path}.${key}`);
  }
}
