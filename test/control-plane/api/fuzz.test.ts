// Random and mutated bodies sent to PUT and apply never crash the API: every answer is either a
// success or a 4xx JSON error with a WEFT_ code, and a refused request stores nothing.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { edsCluster, endpoints, type Harness, harness, type Json, listener, route, staticCluster } from "./harness.js";

let h: Harness;
before(async () => {
  h = await harness({ writeRateLimit: false, bodyLimit: 256 * 1024 });
});
after(() => h.close());

const KINDS = ["listeners", "routes", "clusters", "endpoints"] as const;
const VALID: Readonly<Record<(typeof KINDS)[number], Json>> = {
  listeners: listener("l", "r"),
  routes: route("r", "web"),
  clusters: edsCluster("web"),
  endpoints: endpoints("web"),
};

/** A copy of `value` with one random change at a random place: replace, delete or add a field. */
function mutate(value: unknown, path: number[], replacement: unknown, op: number): unknown {
  if (path.length === 0 || value === null || typeof value !== "object") return op === 0 ? value : replacement;
  const [step = 0, ...rest] = path;
  if (Array.isArray(value)) {
    if (value.length === 0) return [replacement];
    const index = step % value.length;
    const copy = [...value];
    if (rest.length === 0 && op === 1) copy.splice(index, 1);
    else copy[index] = mutate(copy[index], rest, replacement, op);
    return copy;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const copy = { ...record };
  if (keys.length === 0 || (rest.length === 0 && op === 2)) {
    copy[`x_${step}`] = replacement;
    return copy;
  }
  const key = keys[step % keys.length] as string;
  if (rest.length === 0 && op === 1) delete copy[key];
  else copy[key] = mutate(copy[key], rest, replacement, op);
  return copy;
}

const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom("", "0s", "-1s", "1e400", "*", "*.a.*", "[", "\u0000", "é", "a/b", "type.googleapis.com/x.Y"),
  fc.constantFrom(-1, 0, 65536, 2 ** 32, 2 ** 53 + 2, -0, 1.5, Number.MAX_VALUE),
  fc.constant({ "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster" }),
);

const mutatedResource = fc
  .tuple(fc.constantFrom(...KINDS), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), anyValue, fc.nat(2))
  .map(([kind, path, replacement, op]) => ({ kind, body: JSON.stringify(mutate(VALID[kind], path, replacement, op)) }));

const randomText = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.stringMatching(/^[\s{}[\]":,a-z0-9\-!&*|>#%@`]{0,120}$/),
);

async function assertWellBehaved(response: LightMyRequestResponse, revisionBefore: number): Promise<void> {
  assert.ok(response.statusCode < 500, `${response.statusCode}: ${response.body}`);
  const body = JSON.parse(response.body);
  if (response.statusCode >= 400) {
    assert.match(body.error.code, /^WEFT_[A-Z_]+$/);
    assert.equal(typeof body.error.message, "string");
    assert.ok(Array.isArray(body.error.details));
    assert.equal((await h.store.current()).revision, revisionBefore, "a refused request stored something");
  }
}

describe("fuzzing the write routes", () => {
  test("mutated valid resources sent to PUT", async () => {
    await fc.assert(
      fc.asyncProperty(mutatedResource, async ({ kind, body }) => {
        const before = (await h.store.current()).revision;
        const name = kind === "endpoints" ? "web" : (VALID[kind].name as string);
        const response = await h.inject({
          method: "PUT",
          url: `/v1/resources/${kind}/${name}`,
          headers: { "content-type": "application/json" },
          payload: body,
        });
        await assertWellBehaved(response, before);
      }),
      { numRuns: 400 },
    );
  });

  test("random text as JSON or YAML sent to PUT and apply", async () => {
    await fc.assert(
      fc.asyncProperty(
        randomText,
        fc.constantFrom("application/json", "application/yaml"),
        fc.constantFrom("/v1/resources/clusters/web", "/v1/resources/routes/r", "/v1/apply", "/v1/apply?dryRun=true"),
        async (text, contentType, url) => {
          const before = (await h.store.current()).revision;
          const response = await h.inject({
            method: url.startsWith("/v1/apply") ? "POST" : "PUT",
            url,
            headers: { "content-type": contentType },
            payload: text,
          });
          await assertWellBehaved(response, before);
        },
      ),
      { numRuns: 400 },
    );
  });

  test("mutated apply bodies", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        anyValue,
        fc.nat(2),
        async (path, value, op) => {
          const body = {
            resources: [
              { kind: "clusters", resource: staticCluster("a") },
              { kind: "routes", resource: route("r", "a") },
            ],
          };
          const before = (await h.store.current()).revision;
          const response = await h.inject({
            method: "POST",
            url: "/v1/apply",
            headers: { "content-type": "application/json" },
            payload: JSON.stringify(mutate(body, path, value, op)),
          });
          await assertWellBehaved(response, before);
        },
      ),
      { numRuns: 300 },
    );
  });
});
