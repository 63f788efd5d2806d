import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ErrorCode, WeftError } from "../../../control-plane/src/errors.js";
import { KINDS, type KindName, parseResource } from "../../../control-plane/src/resources/index.js";
import {
  API_LISTENER,
  CLUSTER_AGGREGATE,
  CLUSTER_DNS,
  CLUSTER_EDS,
  ENDPOINTS,
  type Json,
  LISTENER,
  ROUTE,
  TCP_LISTENER,
} from "./fixtures.js";

const SAMPLES: readonly (readonly [KindName, Json])[] = [
  ["listeners", LISTENER],
  ["listeners", TCP_LISTENER],
  ["listeners", API_LISTENER],
  ["routes", ROUTE],
  ["clusters", CLUSTER_EDS],
  ["clusters", CLUSTER_DNS],
  ["clusters", CLUSTER_AGGREGATE],
  ["endpoints", ENDPOINTS],
];

type Segment = string | number;
type Node = Record<Segment, unknown>;

/** Every position in `node`, depth first: [path, whether its value is a leaf]. */
function positions(node: unknown, prefix: Segment[] = []): [Segment[], boolean][] {
  if (node === null || typeof node !== "object") return [[prefix, true]];
  const here: [Segment[], boolean][] = prefix.length > 0 ? [[prefix, false]] : [];
  const entries: [Segment, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  return [...here, ...entries.flatMap(([key, value]) => positions(value, [...prefix, key]))];
}

function parentOf(doc: Json, path: Segment[]): [Node, Segment] {
  let node = doc as Node;
  for (const seg of path.slice(0, -1)) node = node[seg] as Node;
  return [node, path.at(-1) as Segment];
}

type Mutation =
  | { readonly op: "replace"; readonly pick: number; readonly value: unknown }
  | { readonly op: "drop"; readonly pick: number }
  | { readonly op: "duplicate"; readonly pick: number };

/** Values chosen to hit validation rules, plus arbitrary JSON. */
const leafValue = fc.oneof(
  fc.constantFrom(
    "",
    "*",
    "a.*.b",
    "/",
    "x y",
    "(",
    "(?=a)",
    "-1s",
    "0s",
    "0.001s",
    ":path",
    "host",
    "UDP",
    "HTTP3",
    "MAGLEV",
    "EDS",
  ),
  fc.constantFrom(0, -1, 1, 65535, 65536, 4294967295, 4294967296, 129, 101, true, false, null),
  fc.jsonValue({ maxDepth: 2 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("replace" as const), pick: fc.nat(), value: leafValue }),
  fc.record({ op: fc.constant("drop" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("duplicate" as const), pick: fc.nat() }),
);

function mutate(doc: Json, m: Mutation): void {
  const all = positions(doc);
  if (m.op === "replace") {
    const leaves = all.filter(([, leaf]) => leaf);
    const target = leaves[m.pick % leaves.length];
    if (!target || target[0].length === 0) return;
    const [parent, key] = parentOf(doc, target[0]);
    parent[key] = structuredClone(m.value);
  } else if (m.op === "drop") {
    const target = all[m.pick % all.length];
    if (!target) return;
    const [parent, key] = parentOf(doc, target[0]);
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else {
    const items = all.filter(([path]) => typeof path.at(-1) === "number");
    const target = items[m.pick % items.length];
    if (!target) return;
    const [parent, key] = parentOf(doc, target[0]);
    (parent as unknown as unknown[]).splice((key as number) + 1, 0, structuredClone(parent[key]));
  }
}

describe("validation of mutated resources", () => {
  test("a mutated valid resource is either refused with WEFT_INVALID_RESOURCE or re-parses to the same version", () => {
    fc.assert(
      fc.property(
        fc.nat(SAMPLES.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (sample, mutations, withName) => {
          const [kind, base] = SAMPLES[sample] as readonly [KindName, Json];
          const doc = structuredClone(base);
          for (const m of mutations) mutate(doc, m);
          const name = (base as Record<string, string>)[KINDS[kind].nameField] as string;
          let parsed: ReturnType<typeof parseResource>;
          try {
            parsed = parseResource(kind, doc, withName ? { name } : {});
          } catch (error) {
            assert.ok(error instanceof WeftError, `threw ${String(error)}`);
            assert.ok(
              error.code === ErrorCode.invalidResource || error.code === ErrorCode.nameMismatch,
              `unexpected code ${error.code}`,
            );
            assert.ok(error.details.length > 0);
            for (const detail of error.details) {
              assert.equal(typeof detail.path, "string");
              assert.equal(typeof detail.message, "string");
            }
            return;
          }
          const again = parseResource(kind, JSON.parse(parsed.json));
          assert.equal(again.version, parsed.version);
          assert.equal(again.json, parsed.json);
          assert.deepEqual(again.references, parsed.references);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
