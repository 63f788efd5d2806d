// Bytes Weft writes must decode under Envoy's definitions to the same fields and values, and
// bytes written under Envoy's definitions must decode in Weft to what was sent. Every Weft
// message is sent fully populated (see wire-samples.ts) in both directions.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { DescField } from "@bufbuild/protobuf";
import protobuf from "protobufjs";
import { messageCodec, messageDescriptor, messageTypeNames } from "../../proto/registry.js";
import { envoyType, isMirrored, loadEnvoyRoot } from "./envoy-definitions.js";
import { envoyToWeft, formatProblems, type WireProblem, weftToEnvoy } from "./wire-compat.js";
import { populatedSamples } from "./wire-samples.js";

const envoy = loadEnvoyRoot();
const weftTypeNames = messageTypeNames().filter(isMirrored);

/** Runs `check` on every sample of every Weft message against Envoy's type of the same name. */
function everyMessage(check: (typeName: string, sample: unknown, type: protobuf.Type) => WireProblem[]) {
  return weftTypeNames.flatMap((typeName) => {
    const type = envoyType(envoy, typeName);
    if (!type) return [{ where: typeName, detail: "Envoy has no message of this name" }];
    return populatedSamples(typeName).flatMap((sample) => check(typeName, sample, type));
  });
}

function assertNoProblems(problems: readonly WireProblem[]): void {
  assert.equal(problems.length, 0, `${problems.length} fields did not arrive as sent:\n${formatProblems(problems)}`);
}

/** Whether a ts-proto field value is something other than the proto3 default, i.e. is on the wire. */
function isSet(field: DescField, value: unknown): boolean {
  if (value === undefined) return false;
  if (field.fieldKind === "list") return (value as unknown[]).length > 0;
  if (field.fieldKind === "map") return Object.keys(value as object).length > 0;
  if (field.fieldKind === "message") return true;
  return value !== 0 && value !== "" && value !== false && !(value instanceof Uint8Array && value.length === 0);
}

describe("Weft's messages on the wire, against Envoy's definitions", () => {
  test("samples set every field of every Weft message, each oneof member included, to a non-default value", () => {
    assert.ok(weftTypeNames.length > 100, `only ${weftTypeNames.length} Weft messages found`);
    const unset: string[] = [];
    for (const typeName of weftTypeNames) {
      const samples = populatedSamples(typeName) as Record<string, unknown>[];
      const message = messageDescriptor(typeName);
      assert.ok(message && samples.length > 0, `no samples of ${typeName}`);
      for (const field of message.fields) {
        if (!samples.some((sample) => isSet(field, sample[field.jsonName]))) unset.push(`${typeName}.${field.name}`);
      }
    }
    assert.deepEqual(unset, [], `fields no sample sets:\n${unset.join("\n")}`);
  });

  test("Envoy reads every field of every Weft message as Weft wrote it, and skips no bytes", () => {
    assertNoProblems(everyMessage(weftToEnvoy));
  });

  test("Weft reads every field of every Weft message as Envoy wrote it", () => {
    assertNoProblems(everyMessage(envoyToWeft));
  });
});

/** A stand-in for an Envoy message type whose fields are declared differently (name, number, type). */
function alteredEnvoyType(
  typeName: string,
  fields: readonly [name: string, id: number, type: string][],
): protobuf.Type {
  const dot = typeName.lastIndexOf(".");
  const type = new protobuf.Type(typeName.slice(dot + 1));
  for (const [name, id, scalar] of fields) type.add(new protobuf.Field(name, id, scalar));
  new protobuf.Root().define(typeName.slice(0, dot)).add(type);
  return type;
}

function problemPaths(problems: readonly WireProblem[]): string[] {
  return [...new Set(problems.map((problem) => problem.where))].sort();
}

describe("the wire comparison itself", () => {
  const range = "envoy.type.v3.Int64Range";
  const [rangeSample] = populatedSamples(range);

  test("reports two fields whose numbers are swapped, which a bytes-only round trip would miss", () => {
    const swapped = alteredEnvoyType(range, [
      ["start", 2, "int64"],
      ["end", 1, "int64"],
    ]);
    const codec = messageCodec(range);
    assert.ok(codec);
    const bytes = swapped.encode(swapped.decode(codec.encode(rangeSample).finish())).finish();
    assert.deepEqual(codec.decode(new Uint8Array(bytes)), rangeSample, "the bytes-only round trip is expected to pass");
    const expected = [`${range}.end`, `${range}.start`];
    assert.deepEqual(problemPaths(weftToEnvoy(range, rangeSample, swapped)), expected);
    assert.deepEqual(problemPaths(envoyToWeft(range, rangeSample, swapped)), expected);
  });

  test("reports a field Envoy does not know, and the bytes it skipped", () => {
    const withoutEnd = alteredEnvoyType(range, [["start", 1, "int64"]]);
    const problems = weftToEnvoy(range, rangeSample, withoutEnd);
    assert.deepEqual(problemPaths(problems), [range, `${range}.end`]);
    assert.deepEqual(problemPaths(envoyToWeft(range, rangeSample, withoutEnd)), [`${range}.end`]);
  });

  test("reports a field Envoy reads as another type of the same wire encoding", () => {
    // A negative int64 is a 10-byte varint that uint64 reads as a huge positive number.
    const unsigned = alteredEnvoyType(range, [
      ["start", 1, "uint64"],
      ["end", 2, "int64"],
    ]);
    assert.deepEqual(problemPaths(weftToEnvoy(range, rangeSample, unsigned)), [`${range}.start`]);
  });

  test("reports a field Envoy names differently", () => {
    const renamed = alteredEnvoyType(range, [
      ["begin", 1, "int64"],
      ["end", 2, "int64"],
    ]);
    assert.deepEqual(problemPaths(weftToEnvoy(range, rangeSample, renamed)), [`${range}.begin`, `${range}.start`]);
    assert.deepEqual(problemPaths(envoyToWeft(range, rangeSample, renamed)), [`${range}.start`]);
  });
});
