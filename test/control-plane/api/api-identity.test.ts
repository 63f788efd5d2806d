// What the API says about itself: the version in its OpenAPI document is Weft's own (from
// package.json), and the /docs page is titled as Weft's, not as the viewer library's.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DOCS_TITLE } from "../../../control-plane/src/api/app.js";
import { type Harness, harness } from "./harness.js";

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "..", "package.json"), "utf8")) as {
  version: string;
};

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());

describe("the API's own description", () => {
  test("info.version in /openapi.json is the version in package.json", async () => {
    const response = await h.inject({ method: "GET", url: "/openapi.json" });
    assert.equal(response.statusCode, 200);
    const doc = response.json() as { info: { version: string } };
    assert.notEqual(doc.info.version, "0.0.0");
    assert.equal(doc.info.version, manifest.version);
  });

  test("a version given to buildApi is the one shown", async () => {
    const pinned = await harness({ version: "9.9.9-test" });
    try {
      const doc = (await pinned.inject({ method: "GET", url: "/openapi.json" })).json() as {
        info: { version: string };
      };
      assert.equal(doc.info.version, "9.9.9-test");
    } finally {
      await pinned.close();
    }
  });

  test("the /docs page carries Weft's title", async () => {
    const page = await h.inject({ method: "GET", url: "/docs" });
    assert.equal(page.statusCode, 200);
    const title = /<title>([^<]*)<\/title>/.exec(page.body)?.[1];
    assert.equal(title, DOCS_TITLE);
    assert.match(DOCS_TITLE, /Weft/);
  });
});
