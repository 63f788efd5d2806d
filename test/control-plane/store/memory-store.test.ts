import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { MemoryStore } from "../../../control-plane/src/store/memory-store.js";
import { secretContract } from "./secret-contract.js";
import { storeContract } from "./store-contract.js";

storeContract("MemoryStore", async (options) => new MemoryStore(options));
secretContract("MemoryStore", async () => new MemoryStore());

test("MemoryStore refuses a historyLimit below 1", () => {
  assert.throws(() => new MemoryStore({ historyLimit: 0 }), { code: ErrorCode.badRequest });
  assert.throws(() => new MemoryStore({ historyLimit: 1.5 }), { code: ErrorCode.badRequest });
});
