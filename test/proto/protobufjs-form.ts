// Translates a message from ts-proto's shape into the plain object protobufjs produces for the
// same bytes with `toObject(message, protobufjsObjectOptions)` (fields loaded with keepCase), so
// what Envoy's definitions read can be compared with what Weft wrote, field by field and by name.
import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import type protobuf from "protobufjs";
import { wrappedScalar } from "./wire-samples.js";

/** The toObject options the translation assumes: 64-bit integers as numbers, bytes as number arrays. */
export const protobufjsObjectOptions: protobuf.IConversionOptions = { longs: Number, bytes: Array };

/**
 * `value` (a message of type `message` as Weft's ts-proto code holds it) in protobufjs's plain
 * form. Fields are keyed by Weft's proto field names, so a field Envoy names differently shows up
 * as a difference. The well-known types are the exception: protobufjs bundles its own copies,
 * whose names (e.g. `nullValue`) are looked up in `envoy` by field number.
 */
export function protobufjsForm(message: DescMessage, value: unknown, envoy: protobuf.Root): Record<string, unknown> {
  const fields = messageFields(message, value);
  const form: Record<string, unknown> = {};
  for (const field of message.fields) {
    const fieldValue = fields[field.jsonName];
    if (!isOnTheWire(field, fieldValue)) continue;
    form[protobufjsName(message, field, envoy)] = fieldForm(field, fieldValue, envoy);
  }
  return form;
}

/**
 * The message's fields keyed by JSON name. ts-proto keeps most messages as such objects but
 * replaces some well-known types with plain values: a wrapper by the value it wraps, a Struct by
 * a JSON object, a Value by a JSON value and a ListValue by an array.
 */
function messageFields(message: DescMessage, value: unknown): Record<string, unknown> {
  if (wrappedScalar(message.typeName) !== undefined) return { value };
  switch (message.typeName) {
    case "google.protobuf.Struct":
      return { fields: value };
    case "google.protobuf.ListValue":
      return { values: value };
    case "google.protobuf.Value":
      return jsonValueFields(value);
  }
  return value as Record<string, unknown>;
}

/** The one google.protobuf.Value member that holds `value` (nested objects and lists stay plain). */
function jsonValueFields(value: unknown): Record<string, unknown> {
  if (value === null) return { nullValue: 0 };
  if (typeof value === "number") return { numberValue: value };
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (Array.isArray(value)) return { listValue: value };
  return { structValue: value };
}

/**
 * Whether ts-proto writes the field, which is also whether protobufjs's toObject lists it:
 * proto3 leaves out empty collections and, for fields without explicit presence, the default.
 */
function isOnTheWire(field: DescField, value: unknown): boolean {
  if (value === undefined) return false;
  if (field.fieldKind === "list") return (value as unknown[]).length > 0;
  if (field.fieldKind === "map") return Object.keys(value as object).length > 0;
  if (field.fieldKind === "message" || field.presence === FeatureSet_FieldPresence.EXPLICIT) return true;
  return value !== 0 && value !== "" && value !== false && !(value instanceof Uint8Array && value.length === 0);
}

function protobufjsName(message: DescMessage, field: DescField, envoy: protobuf.Root): string {
  if (message.file.proto.package !== "google.protobuf") return field.name;
  const bundled = envoy.lookupType(`.${message.typeName}`).fieldsById[field.number];
  return bundled?.name ?? field.name;
}

function fieldForm(field: DescField, value: unknown, envoy: protobuf.Root): unknown {
  switch (field.fieldKind) {
    case "scalar":
    case "enum":
      return scalarForm(value);
    case "message":
      return protobufjsForm(field.message, value, envoy);
    case "list":
      return (value as unknown[]).map((element) =>
        field.listKind === "message" ? protobufjsForm(field.message, element, envoy) : scalarForm(element),
      );
    case "map":
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([key, entry]) => [
          key,
          field.mapKind === "message" ? protobufjsForm(field.message, entry, envoy) : scalarForm(entry),
        ]),
      );
  }
}

/** Bytes become arrays of numbers (toObject's `bytes: Array`); every other scalar is kept. */
function scalarForm(value: unknown): unknown {
  return value instanceof Uint8Array ? Array.from(value) : value;
}
