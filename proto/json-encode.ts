// Writes a message back to Envoy's JSON form, canonically: proto field names (snake_case) in
// field-number order, map and Struct keys sorted, defaults left out, int64 as strings, Any
// expanded with "@type" first. Equal messages give equal text, so the text can be hashed and diffed.
import { type DescEnum, type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { ProtoError, ProtoErrorCode } from "./errors.js";
import { ListValue, Struct, Value } from "./gen/google/protobuf/struct.js";
import { hasSpecialJson, isWrapperType, WellKnown } from "./json-shared.js";
import { messageCodec, messageDescriptor } from "./registry.js";
import { typeNameOf } from "./type-name.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The canonical JSON value of `message`, a generated (ts-proto) object of type `typeName`. */
export function encodeJson(typeName: string, message: unknown): JsonValue {
  return writeMessageForm(requireDescriptor(typeName), message);
}

/** `encodeJson` as text: the canonical bytes a resource's version is hashed from. */
export function canonicalJson(typeName: string, message: unknown): string {
  return JSON.stringify(encodeJson(typeName, message));
}

function requireDescriptor(typeName: string): DescMessage {
  const desc = messageDescriptor(typeName);
  if (!desc) throw new ProtoError(ProtoErrorCode.unknownType, `${typeName} is not a message Weft defines`);
  return desc;
}

/** A message given in its own generated form (a wrapper as {value}, a Struct as {fields}). */
function writeMessageForm(desc: DescMessage, message: unknown): JsonValue {
  if (isWrapperType(desc.typeName)) return writeMessageField(desc, (message as { value: unknown }).value);
  switch (desc.typeName) {
    case WellKnown.struct:
      return writeMessageField(desc, Struct.unwrap(message as Struct));
    case WellKnown.value:
      return writeMessageField(desc, Value.unwrap(message));
    case WellKnown.listValue:
      return writeMessageField(desc, ListValue.unwrap(message as ListValue));
    default:
      return writeMessageField(desc, message);
  }
}

/** A message as a field of another holds it (wrappers bare, Struct as a plain object). */
function writeMessageField(desc: DescMessage, value: unknown): JsonValue {
  if (isWrapperType(desc.typeName)) {
    const inner = desc.fields[0];
    return inner?.fieldKind === "scalar" ? writeScalar(inner.scalar, value) : null;
  }
  switch (desc.typeName) {
    case WellKnown.any:
      return writeAny(value as { typeUrl: string; value: Uint8Array });
    case WellKnown.duration:
      return writeDuration(value as { seconds: number; nanos: number });
    case WellKnown.timestamp:
      return writeTimestamp(value as { seconds: number; nanos: number });
    case WellKnown.struct:
    case WellKnown.value:
    case WellKnown.listValue:
      return sortedJson(value);
    default:
      return writeFields(desc, value as Record<string, unknown>);
  }
}

function writeFields(desc: DescMessage, message: Record<string, unknown>): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const field of byNumber(desc)) {
    const value = message[field.jsonName];
    if (value === undefined || value === null || isDefault(field, value)) continue;
    out[field.name] = writeField(field, value);
  }
  return out;
}

const ordered = new WeakMap<DescMessage, readonly DescField[]>();

function byNumber(desc: DescMessage): readonly DescField[] {
  let fields = ordered.get(desc);
  if (!fields) {
    fields = [...desc.fields].sort((a, b) => a.number - b.number);
    ordered.set(desc, fields);
  }
  return fields;
}

/** proto3 leaves out fields at their default, except members of a oneof, which are set explicitly. */
function isDefault(field: DescField, value: unknown): boolean {
  switch (field.fieldKind) {
    case "list":
      return (value as unknown[]).length === 0;
    case "map":
      return Object.keys(value as object).length === 0;
    case "message":
      return false;
    default:
      if (field.oneof) return false;
      if (value instanceof Uint8Array) return value.length === 0;
      return value === 0 || value === "" || value === false;
  }
}

function writeField(field: DescField, value: unknown): JsonValue {
  switch (field.fieldKind) {
    case "scalar":
      return writeScalar(field.scalar, value);
    case "enum":
      return writeEnum(field.enum, value as number);
    case "message":
      return writeMessageField(field.message, value);
    case "list":
      return (value as unknown[]).map((item) =>
        field.listKind === "scalar"
          ? writeScalar(field.scalar, item)
          : field.listKind === "enum"
            ? writeEnum(field.enum, item as number)
            : writeMessageField(field.message, item),
      );
    case "map": {
      const out: { [key: string]: JsonValue } = {};
      for (const key of Object.keys(value as object).sort()) {
        const item = (value as Record<string, unknown>)[key];
        out[key] =
          field.mapKind === "scalar"
            ? writeScalar(field.scalar, item)
            : field.mapKind === "enum"
              ? writeEnum(field.enum, item as number)
              : writeMessageField(field.message, item);
      }
      return out;
    }
  }
}

function writeScalar(type: ScalarType, value: unknown): JsonValue {
  switch (type) {
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return String(value);
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT: {
      const n = value as number;
      if (Number.isNaN(n)) return "NaN";
      if (n === Number.POSITIVE_INFINITY) return "Infinity";
      if (n === Number.NEGATIVE_INFINITY) return "-Infinity";
      return n;
    }
    case ScalarType.BYTES:
      return Buffer.from(value as Uint8Array).toString("base64");
    default:
      return value as JsonValue;
  }
}

function writeEnum(desc: DescEnum, value: number): JsonValue {
  return desc.value[value]?.name ?? value;
}

function writeDuration({ seconds, nanos }: { seconds: number; nanos: number }): string {
  const negative = seconds < 0 || nanos < 0;
  return `${negative ? "-" : ""}${Math.abs(seconds)}${fraction(Math.abs(nanos))}s`;
}

function writeTimestamp({ seconds, nanos }: { seconds: number; nanos: number }): string {
  const iso = new Date(seconds * 1000).toISOString(); // 2026-01-02T03:04:05.000Z
  return `${iso.slice(0, 19)}${fraction(nanos)}Z`;
}

/** Nanoseconds as protobuf writes them: no fraction, or 3, 6 or 9 digits. */
function fraction(nanos: number): string {
  if (nanos === 0) return "";
  const digits = String(nanos).padStart(9, "0");
  if (nanos % 1_000_000 === 0) return `.${digits.slice(0, 3)}`;
  if (nanos % 1_000 === 0) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}

function writeAny(any: { typeUrl: string; value: Uint8Array }): JsonValue {
  const typeName = typeNameOf(any.typeUrl);
  const desc = typeName === undefined ? undefined : messageDescriptor(typeName);
  const codec = typeName === undefined ? undefined : messageCodec(typeName);
  if (!desc || !codec) {
    throw new ProtoError(
      ProtoErrorCode.unknownType,
      `cannot write an Any holding "${any.typeUrl}": not a type Weft knows`,
    );
  }
  let inner: unknown;
  try {
    inner = codec.decode(any.value);
  } catch (cause) {
    throw new ProtoError(
      ProtoErrorCode.malformed,
      `the Any holding ${desc.typeName} does not decode: ${String(cause)}`,
    );
  }
  const body = writeMessageForm(desc, inner);
  if (hasSpecialJson(desc.typeName)) return { "@type": any.typeUrl, value: body };
  return { "@type": any.typeUrl, ...(body as { [key: string]: JsonValue }) };
}

/** Struct content with object keys sorted at every level. */
function sortedJson(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(sortedJson);
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort()) out[key] = sortedJson((value as Record<string, unknown>)[key]);
    return out;
  }
  return value as JsonValue;
}
