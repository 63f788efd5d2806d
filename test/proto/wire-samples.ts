// Fully populated sample messages for compatibility tests, built from Weft's descriptors so every
// field the subset declares is exercised without a hand-written fixture per message. A sample
// gives every field a value that is not the proto3 default (defaults are not written to the
// wire, so a wrong number or type on them would go unnoticed); where a number's sign or width
// distinguishes two scalar types (int32 from uint32, 32 from 64 bits) the value is chosen to
// show the difference.
import assert from "node:assert/strict";
import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { messageCodec, messageDescriptor } from "../../proto/registry.js";

/**
 * Nested messages are populated down to this many levels below the sample itself, then left
 * unset, so self-recursive types such as envoy.type.matcher.v3.ValueMatcher terminate.
 */
const nestingLimit = 3;

/** Elements in every repeated field and entries in every map. */
const collectionSize = 2;

const wrapperScalars: ReadonlyMap<string, ScalarType> = new Map([
  ["google.protobuf.DoubleValue", ScalarType.DOUBLE],
  ["google.protobuf.FloatValue", ScalarType.FLOAT],
  ["google.protobuf.Int64Value", ScalarType.INT64],
  ["google.protobuf.UInt64Value", ScalarType.UINT64],
  ["google.protobuf.Int32Value", ScalarType.INT32],
  ["google.protobuf.UInt32Value", ScalarType.UINT32],
  ["google.protobuf.BoolValue", ScalarType.BOOL],
  ["google.protobuf.StringValue", ScalarType.STRING],
  ["google.protobuf.BytesValue", ScalarType.BYTES],
]);

/** The scalar a google.protobuf wrapper message carries, or undefined for any other message. */
export function wrappedScalar(typeName: string): ScalarType | undefined {
  return wrapperScalars.get(typeName);
}

/**
 * Samples of `typeName` as its ts-proto codec represents them (built with `fromPartial`), enough
 * of them that every member of every oneof is set in at least one: sample i sets member
 * i mod (size of the oneof). Empty if Weft has no generated code for the type.
 */
export function populatedSamples(typeName: string): unknown[] {
  const message = messageDescriptor(typeName);
  const codec = messageCodec(typeName);
  if (!message || !codec) return [];
  return Array.from({ length: variantCount(message) }, (_, variant) =>
    codec.fromPartial(messageSample(message, variant, 0)),
  );
}

/** How many samples it takes for every oneof member of `message` to be chosen once. */
function variantCount(message: DescMessage): number {
  return Math.max(1, ...message.oneofs.map((oneof) => oneof.fields.length));
}

/** The ts-proto shape of a message with every field set; oneofs get the member `variant` selects. */
function messageSample(message: DescMessage, variant: number, depth: number): Record<string, unknown> {
  const sample: Record<string, unknown> = {};
  for (const member of message.members) {
    const field = member.kind === "oneof" ? member.fields[variant % member.fields.length] : member;
    if (!field) continue;
    const value = fieldSample(field, variant, depth);
    if (value !== undefined) sample[field.jsonName] = value;
  }
  return sample;
}

function fieldSample(field: DescField, variant: number, depth: number): unknown {
  const indexes = Array.from({ length: collectionSize }, (_, index) => index);
  switch (field.fieldKind) {
    case "scalar":
      return scalarSample(field.scalar, field, 0);
    case "enum":
      return enumSample(field, 0);
    case "message":
      return messageValue(field.message, field, variant, depth, 0);
    case "list":
      return indexes
        .map((index) => {
          if (field.listKind === "scalar") return scalarSample(field.scalar, field, index);
          if (field.listKind === "enum") return enumSample(field, index);
          return messageValue(field.message, field, variant + index, depth, index);
        })
        .filter((value) => value !== undefined);
    case "map": {
      // Only string keys are built; a map with other keys stays empty, which the sample coverage
      // test reports, so a new kind of map cannot slip through untested.
      if (field.mapKey !== ScalarType.STRING) return {};
      const entries = indexes.map((index) => {
        if (field.mapKind === "scalar") return [`k${index}-${field.name}`, scalarSample(field.scalar, field, index)];
        if (field.mapKind === "enum") return [`k${index}-${field.name}`, enumSample(field, index)];
        return [`k${index}-${field.name}`, messageValue(field.message, field, variant + index, depth, index)];
      });
      return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
    }
  }
}

/**
 * A distinct, non-default value for element `index` of `field`, as ts-proto holds it: negative
 * for signed types, above 2^31 for unsigned 32-bit ones and beyond 32 bits for 64-bit ones.
 */
function scalarSample(scalar: ScalarType, field: DescField, index: number): unknown {
  const n = field.number * 10 + index + 1;
  switch (scalar) {
    case ScalarType.STRING:
      return index === 0 ? `s-${field.name}` : `s-${field.name}-${index}`;
    case ScalarType.BYTES:
      return new Uint8Array([1 + index, 2 + index, 3 + index]);
    case ScalarType.BOOL:
      return true;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return n + 0.25;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return -n;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return 2 ** 31 + n;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return -(2 ** 40 + n);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return 2 ** 40 + n;
  }
}

/** The last non-zero value of the field's enum for the first element, the first non-zero one after. */
function enumSample(field: DescField, index: number): number {
  const numbers = (field.enum?.values ?? []).map((value) => value.number).filter((number) => number !== 0);
  return (index === 0 ? numbers.at(-1) : numbers[0]) ?? 0;
}

/**
 * A message-typed value in ts-proto's shape: well-known types as the plain values ts-proto maps
 * them to (they do not count towards the nesting limit), other messages recursively.
 */
function messageValue(message: DescMessage, field: DescField, variant: number, depth: number, index: number): unknown {
  const wrapped = wrappedScalar(message.typeName);
  if (wrapped !== undefined) return scalarSample(wrapped, field, index);
  switch (message.typeName) {
    case "google.protobuf.Duration":
      return { seconds: 3, nanos: 5000 };
    case "google.protobuf.Timestamp":
      return { seconds: 1_700_000_000 + index, nanos: 5000 };
    case "google.protobuf.Any":
      return anySample();
    case "google.protobuf.Struct":
      return structSample(field);
    case "google.protobuf.Value":
    case "google.protobuf.ListValue":
    case "google.protobuf.FieldMask":
      // Not used by the subset; left unset so the sample coverage test reports the field.
      return undefined;
  }
  return depth < nestingLimit ? messageSample(message, variant, depth + 1) : undefined;
}

/** A JSON object with one of each kind of google.protobuf.Value, including a list and a nested object. */
function structSample(field: DescField): Record<string, unknown> {
  return { number: 1.5, text: `s-${field.name}`, flag: true, nothing: null, list: [1, "two", false], nested: { n: 2 } };
}

/** An Any packing a small real message, so a reader that unpacks it gets a valid payload. */
function anySample(): { typeUrl: string; value: Uint8Array } {
  const typeName = "envoy.type.v3.Percent";
  const percent = messageCodec(typeName);
  assert.ok(percent, `the subset no longer defines ${typeName}, which samples pack into Any fields`);
  return {
    typeUrl: `type.googleapis.com/${typeName}`,
    value: percent.encode(percent.fromPartial({ value: 12.5 })).finish(),
  };
}
