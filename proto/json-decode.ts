// Strict reader for Envoy's JSON form of a resource (the proto3 JSON mapping): field names in
// snake_case or lowerCamelCase, `Any` as an object with "@type", Duration as "1.5s", wrappers as
// bare values, enums by name. Anything it cannot map exactly is refused with its field path;
// every refusal in the document is collected, none is silently dropped.
import { type DescEnum, type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { closestName } from "./closest-name.js";
import { acceptedEnumValues } from "./enum-support.js";
import { type FieldError, FieldErrorCode, ProtoError, ProtoErrorCode } from "./errors.js";
import { ListValue, Struct, Value } from "./gen/google/protobuf/struct.js";
import {
  DURATION_MAX_SECONDS,
  fieldLookup,
  hasSpecialJson,
  isWrapperType,
  joinPath,
  keyPath,
  TIMESTAMP_MAX_SECONDS,
  TIMESTAMP_MIN_SECONDS,
  WellKnown,
} from "./json-shared.js";
import { omittedEnvoyField } from "./omitted-fields.js";
import { messageCodec, messageDescriptor } from "./registry.js";
import { typeNameOf } from "./type-name.js";

export interface JsonDecodeOptions {
  /** Objects and arrays may nest this deep, counting the resource itself as 1. Default 64. */
  readonly maxDepth?: number;
  /** Prefix for every error path, e.g. `resources[3].resource`. Default: none. */
  readonly path?: string;
}

const DEFAULT_MAX_DEPTH = 64;
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32 = { min: 0, max: 2 ** 32 - 1 };
const INT64 = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
const UINT64 = { min: 0, max: Number.MAX_SAFE_INTEGER };
const FLOAT_MAX = 3.4028234663852886e38;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Decodes `json` as the message `typeName` into its generated (ts-proto) form.
 * Throws a ProtoError with code WEFT_INVALID_RESOURCE_JSON listing every refused field.
 */
export function decodeJson<T = unknown>(typeName: string, json: unknown, options: JsonDecodeOptions = {}): T {
  const desc = messageDescriptor(typeName);
  const codec = messageCodec(typeName);
  if (!desc || !codec) {
    throw new ProtoError(ProtoErrorCode.unknownType, `${typeName} is not a message Weft defines`);
  }
  const reader = new JsonReader(options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const partial = reader.topLevel(desc, json, options.path ?? "");
  if (reader.errors.length > 0 || partial === undefined) {
    const first = reader.errors[0];
    const where = first?.path ? `${first.path}: ` : "";
    throw new ProtoError(
      ProtoErrorCode.invalidJson,
      `invalid ${desc.name}: ${where}${first?.message ?? "no value"}${reader.errors.length > 1 ? ` (and ${reader.errors.length - 1} more)` : ""}`,
      reader.errors,
    );
  }
  return codec.fromPartial(partial) as T;
}

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** One decoding pass; collects errors rather than stopping at the first. */
class JsonReader {
  readonly errors: FieldError[] = [];
  readonly #maxDepth: number;

  constructor(maxDepth: number) {
    this.#maxDepth = maxDepth;
  }

  #fail(path: string, code: FieldErrorCode, message: string, suggestion?: string): undefined {
    this.errors.push(suggestion === undefined ? { path, code, message } : { path, code, message, suggestion });
    return undefined;
  }

  /**
   * A key that names no field of Weft's `desc`: a real Envoy field the subset leaves out, or a
   * name Envoy does not have either, with the closest field of `desc` as a suggestion.
   */
  #unknownField(desc: DescMessage, key: string, path: string): undefined {
    if (omittedEnvoyField(desc.typeName, key) !== undefined) {
      return this.#fail(
        path,
        FieldErrorCode.unsupportedField,
        `field "${key}" of ${desc.typeName} is not supported by Weft`,
      );
    }
    // Suggest in the spelling the key uses: lowerCamelCase if it has a capital, else snake_case.
    const camel = /[A-Z]/.test(key);
    const suggestion = closestName(
      key,
      desc.fields.map((f) => (camel ? f.jsonName : f.name)),
    );
    const hint = suggestion === undefined ? "" : `; did you mean "${suggestion}"?`;
    return this.#fail(
      path,
      FieldErrorCode.unknownField,
      `unknown field "${key}" in ${desc.typeName}${hint}`,
      suggestion,
    );
  }

  #deep(depth: number, path: string): boolean {
    if (depth <= this.#maxDepth) return false;
    this.#fail(path, FieldErrorCode.tooDeep, `nested deeper than ${this.#maxDepth} levels`);
    return true;
  }

  /** A whole resource: its message form, a top-level "@type" checked against the expected type. */
  topLevel(desc: DescMessage, json: Json, path: string): unknown {
    if (isObject(json) && "@type" in json && !hasSpecialJson(desc.typeName)) {
      const { "@type": typeUrl, ...rest } = json;
      if (typeof typeUrl !== "string" || typeNameOf(typeUrl) !== desc.typeName) {
        return this.#fail(
          keyPath(path, "@type"),
          FieldErrorCode.typeMismatch,
          `"@type" is ${describe(typeUrl)}, but this resource is a ${desc.typeName}`,
        );
      }
      return this.#messageForm(desc, rest, path, 1);
    }
    return this.#messageForm(desc, json, path, 1);
  }

  /** The value as the message itself (what an encoder takes), as opposed to a field's view of it. */
  #messageForm(desc: DescMessage, json: Json, path: string, depth: number): unknown {
    const value = this.#messageField(desc, json, path, depth);
    if (value === undefined) return undefined;
    if (isWrapperType(desc.typeName)) return { value };
    switch (desc.typeName) {
      case WellKnown.struct:
        return Struct.wrap(value as Record<string, unknown>);
      case WellKnown.value:
        return Value.wrap(value);
      case WellKnown.listValue:
        return ListValue.wrap(value as unknown[]);
      default:
        return value;
    }
  }

  /** A message-typed field, in the shape ts-proto gives that field (wrappers bare, Struct plain). */
  #messageField(desc: DescMessage, json: Json, path: string, depth: number): unknown {
    if (isWrapperType(desc.typeName)) {
      const inner = desc.fields[0];
      return inner?.fieldKind === "scalar" ? this.#scalar(inner.scalar, json, path) : undefined;
    }
    switch (desc.typeName) {
      case WellKnown.any:
        return this.#any(json, path, depth);
      case WellKnown.duration:
        return this.#duration(json, path);
      case WellKnown.timestamp:
        return this.#timestamp(json, path);
      case WellKnown.struct:
        if (!isObject(json))
          return this.#fail(path, FieldErrorCode.wrongType, `expected an object, got ${describe(json)}`);
        return this.#jsonValue(json, path, depth);
      case WellKnown.listValue:
        if (!Array.isArray(json))
          return this.#fail(path, FieldErrorCode.wrongType, `expected an array, got ${describe(json)}`);
        return this.#jsonValue(json, path, depth);
      case WellKnown.value:
        return this.#jsonValue(json, path, depth);
      default:
        return this.#message(desc, json, path, depth);
    }
  }

  #message(desc: DescMessage, json: Json, path: string, depth: number): Record<string, unknown> | undefined {
    if (!isObject(json)) {
      return this.#fail(path, FieldErrorCode.wrongType, `expected an object (${desc.name}), got ${describe(json)}`);
    }
    if (this.#deep(depth, path)) return undefined;
    const lookup = fieldLookup(desc);
    const out: Record<string, unknown> = {};
    const seen = new Map<number, string>();
    const oneofSet = new Map<string, string>();
    let ok = true;
    for (const [key, raw] of Object.entries(json)) {
      const fieldPath = joinPath(path, key);
      const field = lookup.get(key);
      if (!field) {
        ok = this.#unknownField(desc, key, fieldPath) ?? false;
        continue;
      }
      const earlier = seen.get(field.number);
      if (earlier !== undefined) {
        ok =
          this.#fail(
            fieldPath,
            FieldErrorCode.duplicateField,
            `field "${field.name}" is given twice ("${earlier}" and "${key}")`,
          ) ?? false;
        continue;
      }
      seen.set(field.number, key);
      // proto3 JSON: null stands for the field's default, i.e. unset; only google.protobuf.Value keeps it.
      if (raw === null && !(field.fieldKind === "message" && field.message.typeName === WellKnown.value)) continue;
      if (field.oneof) {
        const other = oneofSet.get(field.oneof.name);
        if (other !== undefined) {
          ok =
            this.#fail(
              fieldPath,
              FieldErrorCode.oneofConflict,
              `"${field.name}" and "${other}" belong to the same oneof "${field.oneof.name}"; set only one`,
            ) ?? false;
          continue;
        }
        oneofSet.set(field.oneof.name, field.name);
      }
      const value = this.#field(field, raw, joinPath(path, field.name), depth);
      if (value === undefined) ok = false;
      else out[field.jsonName] = value;
    }
    return ok ? out : undefined;
  }

  #field(field: DescField, json: Json, path: string, depth: number): unknown {
    switch (field.fieldKind) {
      case "scalar":
        return this.#scalar(field.scalar, json, path);
      case "enum":
        return this.#enum(field.enum, json, path);
      case "message":
        return this.#messageField(field.message, json, path, depth + 1);
      case "list":
        return this.#list(field, json, path, depth);
      case "map":
        return this.#map(field, json, path, depth);
    }
  }

  #list(field: DescField & { fieldKind: "list" }, json: Json, path: string, depth: number): unknown[] | undefined {
    if (!Array.isArray(json))
      return this.#fail(path, FieldErrorCode.wrongType, `expected an array, got ${describe(json)}`);
    if (this.#deep(depth + 1, path)) return undefined;
    const out: unknown[] = [];
    let ok = true;
    json.forEach((item: Json, i) => {
      const itemPath = `${path}[${i}]`;
      let value: unknown;
      if (item === null) value = this.#fail(itemPath, FieldErrorCode.wrongType, "null is not allowed in a list");
      else if (field.listKind === "scalar") value = this.#scalar(field.scalar, item, itemPath);
      else if (field.listKind === "enum") value = this.#enum(field.enum, item, itemPath);
      else value = this.#messageField(field.message, item, itemPath, depth + 2);
      if (value === undefined) ok = false;
      else out.push(value);
    });
    return ok ? out : undefined;
  }

  #map(
    field: DescField & { fieldKind: "map" },
    json: Json,
    path: string,
    depth: number,
  ): Record<string, unknown> | undefined {
    if (!isObject(json)) return this.#fail(path, FieldErrorCode.wrongType, `expected an object, got ${describe(json)}`);
    if (this.#deep(depth + 1, path)) return undefined;
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [key, item] of Object.entries(json)) {
      const itemPath = keyPath(path, key);
      const mapKey = this.#mapKey(field.mapKey, key, itemPath);
      let value: unknown;
      if (item === null) value = this.#fail(itemPath, FieldErrorCode.wrongType, "null is not allowed as a map value");
      else if (field.mapKind === "scalar") value = this.#scalar(field.scalar, item, itemPath);
      else if (field.mapKind === "enum") value = this.#enum(field.enum, item, itemPath);
      else value = this.#messageField(field.message, item, itemPath, depth + 2);
      if (value === undefined || mapKey === undefined) ok = false;
      else out[mapKey] = value;
    }
    return ok ? out : undefined;
  }

  #mapKey(type: ScalarType, key: string, path: string): string | undefined {
    if (type === ScalarType.STRING) return key;
    if (type === ScalarType.BOOL) {
      return key === "true" || key === "false"
        ? key
        : this.#fail(path, FieldErrorCode.badValue, `map key must be "true" or "false"`);
    }
    return this.#scalar(type, key, path) === undefined ? undefined : key;
  }

  #scalar(type: ScalarType, json: Json, path: string): unknown {
    switch (type) {
      case ScalarType.STRING:
        return typeof json === "string"
          ? json
          : this.#fail(path, FieldErrorCode.wrongType, `expected a string, got ${describe(json)}`);
      case ScalarType.BOOL:
        return typeof json === "boolean"
          ? json
          : this.#fail(path, FieldErrorCode.wrongType, `expected true or false, got ${describe(json)}`);
      case ScalarType.BYTES:
        return this.#bytes(json, path);
      case ScalarType.DOUBLE:
      case ScalarType.FLOAT:
        return this.#float(type === ScalarType.FLOAT, json, path);
      case ScalarType.INT32:
      case ScalarType.SINT32:
      case ScalarType.SFIXED32:
        return this.#integer(INT32, "int32", json, path);
      case ScalarType.UINT32:
      case ScalarType.FIXED32:
        return this.#integer(UINT32, "uint32", json, path);
      case ScalarType.INT64:
      case ScalarType.SINT64:
      case ScalarType.SFIXED64:
        return this.#integer(INT64, "int64", json, path);
      case ScalarType.UINT64:
      case ScalarType.FIXED64:
        return this.#integer(UINT64, "uint64", json, path);
    }
  }

  #integer(range: { min: number; max: number }, name: string, json: Json, path: string): number | undefined {
    let n: number;
    if (typeof json === "number") n = json;
    else if (typeof json === "string" && INTEGER.test(json)) n = Number(json);
    else if (typeof json === "string")
      return this.#fail(path, FieldErrorCode.badValue, `${describe(json)} is not an integer`);
    else return this.#fail(path, FieldErrorCode.wrongType, `expected an integer (${name}), got ${describe(json)}`);
    if (!Number.isInteger(n)) return this.#fail(path, FieldErrorCode.outOfRange, `${json} is not an integer`);
    if (n < range.min || n > range.max) {
      return this.#fail(
        path,
        FieldErrorCode.outOfRange,
        `${json} is outside the ${name} range ${range.min} to ${range.max}`,
      );
    }
    return n;
  }

  #float(single: boolean, json: Json, path: string): number | undefined {
    let n: number;
    if (typeof json === "number") n = json;
    else if (json === "NaN") return Number.NaN;
    else if (json === "Infinity") return Number.POSITIVE_INFINITY;
    else if (json === "-Infinity") return Number.NEGATIVE_INFINITY;
    else if (typeof json === "string" && DECIMAL.test(json)) n = Number(json);
    else if (typeof json === "string")
      return this.#fail(path, FieldErrorCode.badValue, `${describe(json)} is not a number`);
    else return this.#fail(path, FieldErrorCode.wrongType, `expected a number, got ${describe(json)}`);
    if (!Number.isFinite(n) || (single && Math.abs(n) > FLOAT_MAX)) {
      return this.#fail(path, FieldErrorCode.outOfRange, `${json} is outside the ${single ? "float" : "double"} range`);
    }
    return n;
  }

  #bytes(json: Json, path: string): Uint8Array | undefined {
    if (typeof json !== "string")
      return this.#fail(path, FieldErrorCode.wrongType, `expected base64 bytes, got ${describe(json)}`);
    if (!BASE64.test(json) || json.replace(/=+$/, "").length % 4 === 1) {
      return this.#fail(path, FieldErrorCode.badValue, "not valid base64");
    }
    return new Uint8Array(Buffer.from(json, "base64"));
  }

  #enum(desc: DescEnum, json: Json, path: string): number | undefined {
    if (typeof json === "string") {
      const value = desc.values.find((v) => v.name === json);
      if (value) return value.number;
      // Only the values Weft accepts are offered: naming one it refuses would send the user on
      // to the next error.
      const accepted = acceptedEnumValues(
        desc.typeName,
        desc.values.map((v) => v.name),
      );
      const suggestion = closestName(json, accepted);
      const hint = suggestion === undefined ? "" : `; did you mean "${suggestion}"?`;
      return this.#fail(
        path,
        FieldErrorCode.badValue,
        `"${json}" is not a value of ${desc.typeName}; expected one of ${accepted.join(", ")}${hint}`,
        suggestion,
      );
    }
    if (typeof json === "number") {
      if (desc.value[json] !== undefined) return json;
      return this.#fail(path, FieldErrorCode.outOfRange, `${json} is not a value of ${desc.typeName}`);
    }
    return this.#fail(path, FieldErrorCode.wrongType, `expected an enum name, got ${describe(json)}`);
  }

  #duration(json: Json, path: string): { seconds: number; nanos: number } | undefined {
    if (typeof json !== "string") {
      return this.#fail(
        path,
        FieldErrorCode.wrongType,
        `expected a duration string such as "1.5s", got ${describe(json)}`,
      );
    }
    const m = DURATION.exec(json);
    if (!m)
      return this.#fail(
        path,
        FieldErrorCode.badValue,
        `"${json}" is not a duration; write seconds with an "s", e.g. "0.25s"`,
      );
    const sign = m[1] ? -1 : 1;
    const seconds = Number(m[2]);
    if (seconds > DURATION_MAX_SECONDS)
      return this.#fail(path, FieldErrorCode.outOfRange, `"${json}" exceeds the duration range`);
    const nanos = Number((m[3] ?? "").padEnd(9, "0"));
    return { seconds: sign * seconds || 0, nanos: sign * nanos || 0 };
  }

  #timestamp(json: Json, path: string): { seconds: number; nanos: number } | undefined {
    if (typeof json !== "string") {
      return this.#fail(path, FieldErrorCode.wrongType, `expected an RFC 3339 timestamp, got ${describe(json)}`);
    }
    const m = TIMESTAMP.exec(json);
    if (!m) return this.#fail(path, FieldErrorCode.badValue, `"${json}" is not an RFC 3339 timestamp`);
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, 0);
    const valid =
      date.getUTCFullYear() === year &&
      date.getUTCMonth() === month - 1 &&
      date.getUTCDate() === day &&
      hour < 24 &&
      minute < 60 &&
      second < 60;
    const zone = m[8] ?? "Z";
    const offset = /^[Zz]$/.test(zone)
      ? 0
      : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60;
    const seconds = Math.floor(date.getTime() / 1000) - offset;
    if (!valid || seconds < TIMESTAMP_MIN_SECONDS || seconds > TIMESTAMP_MAX_SECONDS) {
      return this.#fail(path, FieldErrorCode.outOfRange, `"${json}" is not a valid date between years 1 and 9999`);
    }
    return { seconds, nanos: Number((m[7] ?? "").padEnd(9, "0")) };
  }

  /** Struct, Value and ListValue content: any JSON but non-finite numbers, within the depth limit. */
  #jsonValue(json: Json, path: string, depth: number): unknown {
    if (json === null || typeof json === "string" || typeof json === "boolean") return json;
    if (typeof json === "number") {
      return Number.isFinite(json)
        ? json
        : this.#fail(path, FieldErrorCode.badValue, `${json} cannot be represented in JSON`);
    }
    if (this.#deep(depth, path)) return undefined;
    if (Array.isArray(json)) {
      const out = json.map((item: Json, i) => this.#jsonValue(item, `${path}[${i}]`, depth + 1));
      return out.includes(undefined) ? undefined : out;
    }
    if (isObject(json)) {
      const out: Record<string, unknown> = {};
      let ok = true;
      for (const [key, item] of Object.entries(json)) {
        const value = this.#jsonValue(item, keyPath(path, key), depth + 1);
        if (value === undefined) ok = false;
        else out[key] = value;
      }
      return ok ? out : undefined;
    }
    return this.#fail(path, FieldErrorCode.wrongType, `${describe(json)} is not a JSON value`);
  }

  /** An Any: "@type" names the packed message; the other keys are its fields (or "value" for WKTs). */
  #any(json: Json, path: string, depth: number): { typeUrl: string; value: Uint8Array } | undefined {
    if (!isObject(json))
      return this.#fail(path, FieldErrorCode.wrongType, `expected an object with "@type", got ${describe(json)}`);
    const { "@type": typeUrl, ...fields } = json;
    const typePath = keyPath(path, "@type");
    if (typeof typeUrl !== "string") {
      return this.#fail(
        typePath,
        typeUrl === undefined ? FieldErrorCode.unknownType : FieldErrorCode.wrongType,
        `"@type" must be a type URL string`,
      );
    }
    const typeName = typeNameOf(typeUrl);
    const desc = typeName === undefined ? undefined : messageDescriptor(typeName);
    const codec = typeName === undefined ? undefined : messageCodec(typeName);
    if (!desc || !codec)
      return this.#fail(typePath, FieldErrorCode.unknownType, `"${typeUrl}" is not a type Weft knows`);
    let inner: unknown;
    if (hasSpecialJson(desc.typeName)) {
      const extra = Object.keys(fields).filter((k) => k !== "value");
      if (extra.length > 0) {
        const [first] = extra;
        return this.#fail(
          joinPath(path, first ?? ""),
          FieldErrorCode.unknownField,
          `an Any holding ${desc.typeName} takes only "value"`,
        );
      }
      inner = this.#messageForm(desc, fields.value, joinPath(path, "value"), depth);
    } else {
      inner = this.#messageForm(desc, fields, path, depth);
    }
    if (inner === undefined) return undefined;
    return { typeUrl, value: codec.encode(codec.fromPartial(inner)).finish() };
  }
}
