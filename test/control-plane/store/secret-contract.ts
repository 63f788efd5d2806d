// The behaviour every SecretStore must show: the control plane's own records (CA key, token
// hashes) beside the configuration, outside revisions and history. Each store's test file calls
// secretContract() with a factory for fresh, empty stores.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { ErrorCode, WeftError } from "../../../control-plane/src/errors.js";
import type { ConfigStore } from "../../../control-plane/src/store/config-store.js";
import { SECRET_KEY_MAX, type SecretStore } from "../../../control-plane/src/store/index.js";
import { put } from "./test-resources.js";

type Store = ConfigStore & SecretStore;

export function secretContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`${name} keeps the SecretStore contract`, () => {
    const opened: Store[] = [];
    async function fresh(): Promise<Store> {
      const store = await makeStore();
      opened.push(store);
      return store;
    }
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    test("createSecret writes once: a second create keeps the first value and says so", async () => {
      const store = await fresh();
      assert.equal(await store.secret("ca/root"), undefined);
      assert.deepEqual(await store.createSecret("ca/root", "first"), { value: "first", created: true });
      assert.deepEqual(await store.createSecret("ca/root", "second"), { value: "first", created: false });
      assert.equal(await store.secret("ca/root"), "first");
    });

    test("concurrent creates of one key keep exactly one value, and every caller is told which", async () => {
      const store = await fresh();
      const results = await Promise.all(["a", "b", "c", "d"].map((v) => store.createSecret("race", v)));
      assert.equal(results.filter((r) => r.created).length, 1);
      const kept = await store.secret("race");
      for (const result of results) assert.equal(result.value, kept);
    });

    test("putSecret replaces, deleteSecret removes and says whether there was a value", async () => {
      const store = await fresh();
      await store.putSecret("tokens/a", "1");
      await store.putSecret("tokens/a", "2");
      assert.equal(await store.secret("tokens/a"), "2");
      assert.equal(await store.deleteSecret("tokens/a"), true);
      assert.equal(await store.deleteSecret("tokens/a"), false);
      assert.equal(await store.secret("tokens/a"), undefined);
    });

    test("secrets(prefix) lists the keys starting with it, sorted, and nothing else", async () => {
      const store = await fresh();
      for (const key of ["tokens/b", "ca/root", "tokens/a", "tokensX", "tokens/", "u"]) await store.putSecret(key, key);
      assert.deepEqual(
        (await store.secrets("tokens/")).map((e) => e.key),
        ["tokens/", "tokens/a", "tokens/b"],
      );
      assert.deepEqual(await store.secrets("tokens/a"), [{ key: "tokens/a", value: "tokens/a" }]);
      assert.deepEqual(await store.secrets("none/"), []);
      assert.equal((await store.secrets("")).length, 6);
    });

    test("secrets are not configuration: no revision, no history, not in the state", async () => {
      const store = await fresh();
      await store.commit([put("clusters", "a", "1")]);
      await store.createSecret("ca/root", "key material");
      await store.putSecret("tokens/x", "hash");
      await store.deleteSecret("tokens/x");
      const state = await store.current();
      assert.equal(state.revision, 1);
      assert.deepEqual(
        state.resources.map((r) => `${r.kind}/${r.name}`),
        ["clusters/a"],
      );
      assert.equal((await store.history()).length, 1);
    });

    test("a key that is empty or too long is refused, and a closed store refuses every call", async () => {
      const store = await fresh();
      const internal = (error: unknown) => error instanceof WeftError && error.code === ErrorCode.internal;
      await assert.rejects(store.putSecret("", "v"), internal);
      await assert.rejects(store.createSecret("k".repeat(SECRET_KEY_MAX + 1), "v"), internal);
      assert.deepEqual(await store.createSecret("k".repeat(SECRET_KEY_MAX), "v"), { value: "v", created: true });
      await store.close();
      await assert.rejects(store.secret("ca/root"), (e) => e instanceof WeftError && e.code === ErrorCode.storeFailed);
    });
  });
}
