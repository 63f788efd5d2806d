// How the CA tests read a refusal: by its code and the path of one of its details.
import assert from "node:assert/strict";

/** `fn` rejects with a WeftError of `code`, and (if given) a detail at `path`. */
export async function rejectsWith(fn: () => Promise<unknown>, code: string, path?: string): Promise<void> {
  await assert.rejects(fn, (error: { code?: string; details?: { path: string }[] }) => {
    assert.equal(error.code, code);
    if (path !== undefined)
      assert.ok(
        error.details?.some((detail) => detail.path === path),
        JSON.stringify(error.details),
      );
    return true;
  });
}
