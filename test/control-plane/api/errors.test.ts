// Every class of bad input gets the README's error shape, a 4xx status and its WEFT_ code, and a
// rejected request changes nothing in the store.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { checkResourceName } from "../../../control-plane/src/resources/index.js";
import { assertError, assertNothingStored, type Harness, harness, put, staticCluster } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await harness({ bodyLimit: 64 * 1024 });
  // Something stored, so "nothing changed" is checked against a non-empty state.
  await put(h, "clusters", "existing", staticCluster("existing"));
});
afterEach(() => h.close());

function raw(contentType: string, payload: string | Buffer, url = "/v1/resources/clusters/web") {
  return h.inject({ method: "PUT", url, headers: { "content-type": contentType }, payload });
}

/** Asserts the error, and that the request stored nothing. */
async function refused(request: () => Promise<Parameters<typeof assertError>[0]>, status: number, code: string) {
  let error: Record<string, unknown> = {};
  await assertNothingStored(h, async () => {
    error = assertError(await request(), status, code);
  });
  return error as {
    message: string;
    details: { path: string; message: string; code?: string; line?: number; column?: number }[];
  };
}

describe("invalid resources: 400 WEFT_INVALID_RESOURCE with field paths", () => {
  test("an unknown field", async () => {
    const error = await refused(
      () => put(h, "clusters", "web", { ...staticCluster("web"), colour: "blue" }),
      400,
      ErrorCode.invalidResource,
    );
    assert.deepEqual(
      error.details.map((d) => [d.path, d.code]),
      [["colour", "WEFT_JSON_UNKNOWN_FIELD"]],
    );
  });

  test("a misspelt field is refused with the closest field as the detail's suggestion", async () => {
    const { connect_timeout: timeout, ...rest } = staticCluster("web") as Record<string, unknown>;
    const error = await refused(
      () => put(h, "clusters", "web", { ...rest, conect_timeout: timeout ?? "1s" }),
      400,
      ErrorCode.invalidResource,
    );
    const detail = error.details[0] as { path: string; code?: string; suggestion?: string } | undefined;
    assert.deepEqual(
      [detail?.path, detail?.code, detail?.suggestion],
      ["conect_timeout", "WEFT_JSON_UNKNOWN_FIELD", "connect_timeout"],
    );
  });

  test("a value of the wrong type", async () => {
    const error = await refused(
      () => put(h, "clusters", "web", { ...staticCluster("web"), connect_timeout: 5 }),
      400,
      ErrorCode.invalidResource,
    );
    assert.equal(error.details[0]?.path, "connect_timeout");
  });

  test("every problem is listed, not only the first", async () => {
    const error = await refused(
      () => put(h, "clusters", "web", { ...staticCluster("web"), colour: "blue", connect_timeout: [] }),
      400,
      ErrorCode.invalidResource,
    );
    assert.deepEqual(error.details.map((d) => d.path).sort(), ["colour", "connect_timeout"]);
  });

  test("a semantic error from the kind's validator", async () => {
    const { load_assignment: _l, ...noEndpoints } = staticCluster("web");
    const error = await refused(() => put(h, "clusters", "web", noEndpoints), 400, ErrorCode.invalidResource);
    assert.ok(error.details.some((d) => d.path === "load_assignment"));
  });

  test("the same field in snake_case and camelCase", async () => {
    await refused(
      () => put(h, "clusters", "web", { ...staticCluster("web"), connectTimeout: "1s" }),
      400,
      ErrorCode.invalidResource,
    );
  });

  test("a body that is not an object", async () => {
    await refused(() => put(h, "clusters", "web", [1, 2]), 400, ErrorCode.invalidResource);
    await refused(() => put(h, "clusters", "web", "cluster"), 400, ErrorCode.invalidResource);
    await refused(() => put(h, "clusters", "web", null), 400, ErrorCode.invalidResource);
  });
});

describe("names and kinds", () => {
  test("an invalid name in the URL: 400 WEFT_INVALID_NAME", async () => {
    const { name: _name, ...body } = staticCluster("x");
    for (const name of ["a%20b", "a%2Fb", "%00", "%7F", "%C3%A9", "tab%09", "x".repeat(254)]) {
      const url = `/v1/resources/clusters/${name}`;
      await refused(() => raw("application/json", JSON.stringify(body), url), 400, ErrorCode.invalidName);
      assertError(await h.inject({ method: "GET", url }), 400, ErrorCode.invalidName);
    }
  });

  test('checkResourceName refuses "." and ".." at the path it is given', () => {
    for (const name of [".", ".."]) {
      const problem = checkResourceName(name, "resources[0].resource.name");
      assert.equal(problem?.path, "resources[0].resource.name");
      assert.equal(problem?.code, "WEFT_VALIDATION_BAD_VALUE");
    }
    assert.equal(checkResourceName("..."), undefined);
  });

  test('"." and ".." are refused as the name in a body, in apply and in YAML', async () => {
    for (const name of [".", ".."]) {
      const json = await refused(
        () =>
          h.inject({
            method: "POST",
            url: "/v1/apply",
            headers: { "content-type": "application/json" },
            payload: JSON.stringify({ resources: [{ kind: "clusters", resource: staticCluster(name) }] }),
          }),
        400,
        ErrorCode.invalidResource,
      );
      assert.ok(
        json.details.some((d) => d.path === "resources[0].resource.name" && d.code === "WEFT_VALIDATION_BAD_VALUE"),
      );
      const yaml = await refused(
        () =>
          h.inject({
            method: "POST",
            url: "/v1/apply",
            headers: { "content-type": "application/yaml" },
            payload: `kind: Cluster\nname: "${name}"\ntype: STATIC\nconnect_timeout: 1s\n`,
          }),
        400,
        ErrorCode.invalidResource,
      );
      assert.ok(
        yaml.details.some((d) => d.path === "documents[0].name"),
        JSON.stringify(yaml.details),
      );
    }
  });

  test('names that only hold dots besides "." and ".." are fine', async () => {
    for (const name of ["...", ".a", "a."]) {
      assert.equal((await put(h, "clusters", name, staticCluster(name))).statusCode, 200, name);
    }
  });

  test("a name of 253 characters is fine", async () => {
    const name = "n".repeat(253);
    assert.equal((await put(h, "clusters", name, staticCluster(name))).statusCode, 200);
  });

  test("a name in the body that differs from NAME: 400 WEFT_NAME_MISMATCH", async () => {
    await refused(() => put(h, "clusters", "web", staticCluster("other")), 400, ErrorCode.nameMismatch);
  });

  test('a top-level "@type" of another kind: 400 WEFT_KIND_MISMATCH', async () => {
    const error = await refused(
      () =>
        put(h, "clusters", "web", {
          "@type": "type.googleapis.com/envoy.config.listener.v3.Listener",
          ...staticCluster("web"),
        }),
      400,
      ErrorCode.kindMismatch,
    );
    assert.equal(error.details[0]?.code, "WEFT_JSON_TYPE_MISMATCH");
  });

  test("an unknown KIND: 404 WEFT_UNKNOWN_KIND, for every method", async () => {
    await refused(() => put(h, "secrets", "web", {}), 404, ErrorCode.unknownKind);
    await refused(() => h.inject({ method: "DELETE", url: "/v1/resources/secrets/web" }), 404, ErrorCode.unknownKind);
    await refused(() => h.inject({ method: "GET", url: "/v1/resources/secrets" }), 404, ErrorCode.unknownKind);
  });
});

describe("body syntax", () => {
  test("malformed JSON: 400 WEFT_INVALID_JSON with line and column", async () => {
    const error = await refused(
      () => raw("application/json", '{\n  "name": "web",\n  "type": STATIC\n}'),
      400,
      ErrorCode.invalidJson,
    );
    assert.deepEqual([error.details[0]?.line, error.details[0]?.column], [3, 11]);
    assert.equal(error.details[0]?.code, "WEFT_SYNTAX");
  });

  test("a duplicate key in JSON: 400 WEFT_INVALID_JSON naming its path", async () => {
    const error = await refused(
      () => raw("application/json", '{"name":"web","load_assignment":{"cluster_name":"a","cluster_name":"b"}}'),
      400,
      ErrorCode.invalidJson,
    );
    assert.equal(error.details[0]?.code, "WEFT_DUPLICATE_KEY");
    assert.equal(error.details[0]?.path, "load_assignment.cluster_name");
  });

  test("a duplicate key in YAML: 400 WEFT_INVALID_YAML", async () => {
    const error = await refused(
      () => raw("application/yaml", "name: web\ntype: STATIC\nname: web\n"),
      400,
      ErrorCode.invalidYaml,
    );
    assert.equal(error.details[0]?.code, "WEFT_DUPLICATE_KEY");
    assert.equal(error.details[0]?.line, 3);
  });

  test("YAML keys that differ only as YAML values (1 and '1') are duplicates too", async () => {
    await refused(() => raw("application/yaml", "metadata:\n  1: a\n  '1': b\n"), 400, ErrorCode.invalidYaml);
  });

  test("YAML anchors and aliases are refused", async () => {
    const error = await refused(
      () => raw("application/yaml", "name: &n web\ntype: STATIC\nalt_stat_name: *n\n"),
      400,
      ErrorCode.invalidYaml,
    );
    assert.equal(error.details[0]?.code, "WEFT_YAML_ALIAS");
  });

  test("YAML tags outside the core schema are refused", async () => {
    const error = await refused(() => raw("application/yaml", "name: !!binary d2Vi\n"), 400, ErrorCode.invalidYaml);
    assert.equal(error.details[0]?.code, "WEFT_YAML_TAG");
  });

  test("malformed YAML: 400 WEFT_INVALID_YAML with line and column", async () => {
    const error = await refused(
      () => raw("application/yaml", "name: web\n  type: [STATIC\n"),
      400,
      ErrorCode.invalidYaml,
    );
    assert.equal(typeof error.details[0]?.line, "number");
  });

  test("several YAML documents for one resource are refused", async () => {
    await refused(() => raw("application/yaml", "name: web\n---\nname: web\n"), 400, ErrorCode.invalidYaml);
  });

  test("nesting deeper than 64 levels is refused, in JSON and YAML; 64 is parsed", async () => {
    const nested = (depth: number) =>
      `{"name":"web","metadata":{"filter_metadata":${"[".repeat(depth - 2)}${"]".repeat(depth - 2)}}}`;
    const tooDeep = await refused(() => raw("application/json", nested(65)), 400, ErrorCode.invalidJson);
    assert.equal(tooDeep.details[0]?.code, "WEFT_TOO_DEEP");
    // 64 levels pass the body reader; the resource itself is then judged by the codec.
    assertError(await raw("application/json", nested(64)), 400, ErrorCode.invalidResource);
    const yaml = await refused(
      () => raw("application/yaml", `${"[".repeat(65)}${"]".repeat(65)}`),
      400,
      ErrorCode.invalidYaml,
    );
    assert.equal(yaml.details[0]?.code, "WEFT_TOO_DEEP");
  });

  test("a body that is not UTF-8 is refused", async () => {
    await refused(
      () => raw("application/json", Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])),
      400,
      ErrorCode.invalidJson,
    );
  });

  test("an empty body: 400", async () => {
    await refused(() => raw("application/json", ""), 400, ErrorCode.badRequest);
    await refused(() => h.inject({ method: "PUT", url: "/v1/resources/clusters/web" }), 400, ErrorCode.badRequest);
  });
});

describe("media types and size", () => {
  test("any content type but JSON or YAML: 415 WEFT_UNSUPPORTED_MEDIA_TYPE", async () => {
    const others = ["text/plain", "application/xml", "application/x-www-form-urlencoded", "application/jsonx"];
    // The README names exactly application/json and application/yaml: older YAML spellings are refused too.
    for (const type of [...others, "text/yaml", "application/x-yaml", "text/x-yaml"]) {
      await refused(() => raw(type, "{}"), 415, ErrorCode.unsupportedMediaType);
    }
  });

  test("a body without a content type: 415", async () => {
    await refused(
      () => h.inject({ method: "PUT", url: "/v1/resources/clusters/web", payload: Buffer.from("{}") }),
      415,
      ErrorCode.unsupportedMediaType,
    );
  });

  test("a charset other than UTF-8: 415", async () => {
    await refused(() => raw("application/json; charset=iso-8859-1", "{}"), 415, ErrorCode.unsupportedMediaType);
  });

  test("parameters and case in the media type are fine", async () => {
    const response = await raw("Application/JSON; charset=UTF-8", JSON.stringify(staticCluster("web")));
    assert.equal(response.statusCode, 200, response.body);
  });

  test("a body over the limit: 413 WEFT_BODY_TOO_LARGE", async () => {
    const big = JSON.stringify({ ...staticCluster("web"), alt_stat_name: "x".repeat(70 * 1024) });
    await refused(() => raw("application/json", big), 413, ErrorCode.bodyTooLarge);
  });
});

describe("requests no route takes", () => {
  test("an unknown path: 404 WEFT_ROUTE_NOT_FOUND", async () => {
    await refused(() => h.inject({ method: "GET", url: "/v2/things" }), 404, ErrorCode.routeNotFound);
    await refused(() => h.inject({ method: "POST", url: "/v1/resources/clusters/a/b" }), 404, ErrorCode.routeNotFound);
  });

  test("a known path with another method: 405 WEFT_METHOD_NOT_ALLOWED with Allow", async () => {
    const response = await h.inject({ method: "POST", url: "/v1/resources/clusters/web" });
    assertError(response, 405, ErrorCode.methodNotAllowed);
    assert.equal(response.headers.allow, "DELETE, GET, HEAD, PUT");
    assertError(await h.inject({ method: "GET", url: "/v1/apply" }), 405, ErrorCode.methodNotAllowed);
  });

  test("a URL that does not percent-decode: 400 WEFT_BAD_REQUEST", async () => {
    await refused(() => h.inject({ method: "GET", url: "/v1/resources/clusters/%E0%A4%A" }), 400, ErrorCode.badRequest);
  });

  test("a bad query parameter: 400 WEFT_BAD_REQUEST naming it", async () => {
    const error = await refused(
      () => h.inject({ method: "DELETE", url: "/v1/resources/clusters/existing?force=yes" }),
      400,
      ErrorCode.badRequest,
    );
    assert.equal(error.details[0]?.path, "querystring.force");
    await refused(() => h.inject({ method: "GET", url: "/v1/revisions?limit=1.5" }), 400, ErrorCode.badRequest);
    await refused(() => h.inject({ method: "GET", url: "/v1/revisions/x" }), 400, ErrorCode.badRequest);
  });
});
