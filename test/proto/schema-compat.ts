// Compares Weft's descriptors with Envoy's definitions of the same names. Weft's subset may omit
// fields, values and methods, but everything it does declare must mean on the wire (and in JSON)
// exactly what Envoy's declaration means: same number, name, type, cardinality and oneof.
import { type DescEnum, type DescField, type DescMessage, type DescService, ScalarType } from "@bufbuild/protobuf";
import protobuf from "protobufjs";
import { envoyEnum, envoyService, envoyType } from "./envoy-definitions.js";

/** One way in which a Weft declaration differs from Envoy's. */
export interface SchemaMismatch {
  /** Full name of the message, enum or service, then the field, value or method, e.g. `envoy.type.v3.Percent.value`. */
  readonly where: string;
  readonly aspect:
    | "missing"
    | "name"
    | "json name"
    | "type"
    | "cardinality"
    | "oneof"
    | "packing"
    | "number"
    | "request"
    | "response"
    | "streaming"
    | "not served"
    | "omission";
  readonly weft: string;
  readonly envoy: string;
}

/** What a field means on the wire and in JSON, spelled the same for both sides so they compare with `===`. */
interface FieldShape {
  readonly name: string;
  readonly "json name": string;
  /** A scalar name such as `uint32`, or `enum <full name>` / `message <full name>`. */
  readonly type: string;
  /** `singular`, `repeated` or `map<key scalar>`. */
  readonly cardinality: string;
  readonly oneof: string;
  /** `packed` or `expanded` for repeated scalars and enums; empty otherwise, where it has no meaning. */
  readonly packing: string;
}

const comparedAspects = ["name", "json name", "type", "cardinality", "oneof", "packing"] as const;

function scalarName(scalar: ScalarType): string {
  return ScalarType[scalar].toLowerCase();
}

function weftElementType(field: DescField): string {
  if (field.fieldKind === "scalar") return scalarName(field.scalar);
  if (field.fieldKind === "enum") return `enum ${field.enum.typeName}`;
  if (field.fieldKind === "message") return `message ${field.message.typeName}`;
  if (field.fieldKind === "list") {
    if (field.listKind === "scalar") return scalarName(field.scalar);
    return field.listKind === "enum" ? `enum ${field.enum.typeName}` : `message ${field.message.typeName}`;
  }
  if (field.mapKind === "scalar") return scalarName(field.scalar);
  return field.mapKind === "enum" ? `enum ${field.enum.typeName}` : `message ${field.message.typeName}`;
}

function weftShape(field: DescField): FieldShape {
  return {
    name: field.name,
    "json name": field.jsonName,
    type: weftElementType(field),
    cardinality: weftCardinality(field),
    oneof: field.oneof?.name ?? "",
    packing: weftPacking(field),
  };
}

function weftPacking(field: DescField): string {
  if (field.fieldKind !== "list" || !isPackable(weftElementType(field))) return "";
  return field.packed ? "packed" : "expanded";
}

function weftCardinality(field: DescField): string {
  if (field.fieldKind === "list") return "repeated";
  return field.fieldKind === "map" ? `map<${scalarName(field.mapKey)}>` : "singular";
}

/** Strings, bytes and messages are always length-delimited; only numeric types and enums can be packed. */
function isPackable(type: string): boolean {
  return type !== "string" && type !== "bytes" && !type.startsWith("message ");
}

/** protoc's default JSON name: underscores dropped, the letter after each one capitalised. */
function defaultJsonName(name: string): string {
  return name.replace(/_+([a-z0-9]?)/g, (_match, next: string) => next.toUpperCase());
}

function envoyElementType(field: protobuf.Field): string {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return `message ${resolved.fullName.slice(1)}`;
  if (resolved instanceof protobuf.Enum) return `enum ${resolved.fullName.slice(1)}`;
  return field.type;
}

function envoyShape(field: protobuf.Field): FieldShape {
  const type = envoyElementType(field);
  const mapKey = field instanceof protobuf.MapField ? field.keyType : undefined;
  // protobufjs models a proto3 `optional` as a one-field oneof; protoc does not count it as one.
  const oneof = field.partOf && field.options?.proto3_optional !== true ? field.partOf.name : "";
  // protobufjs's MapField is not `repeated`, so only lists pass this test.
  const packable = field.repeated && isPackable(type);
  let cardinality = field.repeated ? "repeated" : "singular";
  if (mapKey !== undefined) cardinality = `map<${mapKey}>`;
  return {
    name: field.name,
    "json name": (field.options?.json_name as string | undefined) ?? defaultJsonName(field.name),
    type,
    cardinality,
    oneof,
    packing: packable ? (field.packed ? "packed" : "expanded") : "",
  };
}

/** Every way the fields Weft declares for `message` differ from Envoy's message of the same full name. */
export function compareMessage(message: DescMessage, envoy: protobuf.Root): SchemaMismatch[] {
  const theirs = envoyType(envoy, message.typeName);
  if (!theirs) return [{ where: message.typeName, aspect: "missing", weft: "message", envoy: "no such message" }];
  const mismatches: SchemaMismatch[] = [];
  for (const field of message.fields) {
    const where = `${message.typeName}.${field.name}`;
    const match = theirs.fieldsById[field.number];
    if (!match) {
      mismatches.push({ where, aspect: "missing", weft: `field ${field.number}`, envoy: "no field with this number" });
      continue;
    }
    const ours = weftShape(field);
    const envoyField = envoyShape(match);
    for (const aspect of comparedAspects) {
      if (ours[aspect] !== envoyField[aspect]) {
        mismatches.push({ where, aspect, weft: ours[aspect] || "(none)", envoy: envoyField[aspect] || "(none)" });
      }
    }
  }
  return mismatches;
}

/** Every value of Weft's `enumeration` that Envoy's enum lacks or numbers differently. */
export function compareEnum(enumeration: DescEnum, envoy: protobuf.Root): SchemaMismatch[] {
  const theirs = envoyEnum(envoy, enumeration.typeName);
  if (!theirs) return [{ where: enumeration.typeName, aspect: "missing", weft: "enum", envoy: "no such enum" }];
  const mismatches: SchemaMismatch[] = [];
  for (const value of enumeration.values) {
    const number = theirs.values[value.name];
    if (number === value.number) continue;
    mismatches.push({
      where: `${enumeration.typeName}.${value.name}`,
      aspect: number === undefined ? "missing" : "number",
      weft: String(value.number),
      envoy: number === undefined ? "no such value" : String(number),
    });
  }
  return mismatches;
}

function envoyMethodKind(method: protobuf.Method): string {
  if (method.requestStream && method.responseStream) return "bidi_streaming";
  if (method.requestStream) return "client_streaming";
  return method.responseStream ? "server_streaming" : "unary";
}

/**
 * Every way Weft's `service` differs from Envoy's: methods Envoy lacks or types differently, and
 * Envoy methods Weft leaves out unless they are named in `omitted` (a deliberate, listed choice).
 */
export function compareService(
  service: DescService,
  envoy: protobuf.Root,
  omitted: ReadonlySet<string>,
): SchemaMismatch[] {
  const theirs = envoyService(envoy, service.typeName);
  if (!theirs) return [{ where: service.typeName, aspect: "missing", weft: "service", envoy: "no such service" }];
  const mismatches: SchemaMismatch[] = [];
  for (const method of service.methods) {
    const where = `${service.typeName}.${method.name}`;
    const match = theirs.methods[method.name];
    if (!match) {
      mismatches.push({ where, aspect: "missing", weft: "method", envoy: "no such method" });
      continue;
    }
    match.resolve();
    const compared = [
      ["request", method.input.typeName, match.resolvedRequestType?.fullName.slice(1) ?? match.requestType],
      ["response", method.output.typeName, match.resolvedResponseType?.fullName.slice(1) ?? match.responseType],
      ["streaming", method.methodKind, envoyMethodKind(match)],
    ] as const;
    for (const [aspect, weft, envoyValue] of compared) {
      if (weft !== envoyValue) mismatches.push({ where, aspect, weft, envoy: envoyValue });
    }
  }
  const served = new Set(service.methods.map((method) => method.name));
  for (const name of Object.keys(theirs.methods)) {
    if (!served.has(name) && !omitted.has(name)) {
      mismatches.push({
        where: `${service.typeName}.${name}`,
        aspect: "not served",
        weft: "no such method",
        envoy: "method",
      });
    }
  }
  // An omission list that names a method Weft serves, or one Envoy does not have, is out of date.
  for (const name of omitted) {
    const where = `${service.typeName}.${name}`;
    if (served.has(name)) mismatches.push({ where, aspect: "omission", weft: "served", envoy: "method" });
    else if (!theirs.methods[name])
      mismatches.push({ where, aspect: "omission", weft: "omitted", envoy: "no such method" });
  }
  return mismatches;
}

/** One line per mismatch, for an assertion message that lists them all. */
export function formatMismatches(mismatches: readonly SchemaMismatch[]): string {
  return mismatches.map((m) => `${m.where}: ${m.aspect} differs (Weft: ${m.weft}; Envoy: ${m.envoy})`).join("\n");
}
