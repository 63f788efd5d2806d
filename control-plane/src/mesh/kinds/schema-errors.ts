// TypeBox's errors as the API's details: a JSON pointer becomes a field path
// (`/spec/ports/0/port` -> `spec.ports[0].port`), a keyword becomes the code the proto codec gives
// the same mistake (an unknown field, a wrong type, a number out of range, a value outside a list),
// and what one mistake makes TypeBox say several times is said once.
import type { TSchema } from "typebox";
import { FieldErrorCode } from "../../../../proto/index.js";
import { type ErrorDetail, ValidationCode } from "../../errors.js";

/** One error as TypeBox's compiled validator reports it. */
export interface SchemaError {
  readonly keyword: string;
  readonly schemaPath: string;
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function segments(pointer: string): string[] {
  if (pointer === "" || pointer === "#") return [];
  return pointer
    .replace(/^#/, "")
    .split("/")
    .slice(1)
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** A JSON pointer as a field path: `spec.ports[0].port`, `metadata.labels["app.kubernetes.io/name"]`. */
export function pointerPath(pointer: string, extra?: string): string {
  let path = "";
  for (const segment of extra === undefined ? segments(pointer) : [...segments(pointer), extra]) {
    if (/^(0|[1-9][0-9]*)$/.test(segment)) path += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) path += path === "" ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** The sub-schema at `schemaPath` (`#/properties/spec/properties/ports/items`), if it can be followed. */
function schemaAt(root: TSchema, schemaPath: string): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const segment of segments(schemaPath)) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === "object" && node !== null ? (node as Record<string, unknown>) : undefined;
}

function detailOf(root: TSchema, error: SchemaError): ErrorDetail[] {
  const { keyword, params } = error;
  const at = error.instancePath;
  switch (keyword) {
    case "additionalProperties": {
      const names = Array.isArray(params.additionalProperties) ? params.additionalProperties.map(String) : [];
      const known = Object.keys((schemaAt(root, error.schemaPath)?.properties as object | undefined) ?? {});
      const accepted = known.length > 0 ? ` (accepted here: ${known.join(", ")})` : "";
      return names.map((name) => ({
        path: pointerPath(at, name),
        code: FieldErrorCode.unknownField,
        message: `unknown field, or one Weft does not honour${accepted}`,
      }));
    }
    case "required": {
      const names = Array.isArray(params.requiredProperties) ? params.requiredProperties.map(String) : [];
      return names.map((name) => ({ path: pointerPath(at, name), code: ValidationCode.required, message: "required" }));
    }
    case "type":
      return [{ path: pointerPath(at), code: FieldErrorCode.wrongType, message: `expected ${String(params.type)}` }];
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
    case "maxItems":
      return [{ path: pointerPath(at), code: FieldErrorCode.outOfRange, message: error.message }];
    case "minItems":
      return [{ path: pointerPath(at), code: ValidationCode.empty, message: error.message }];
    case "const":
      return [
        {
          path: pointerPath(at),
          code: FieldErrorCode.badValue,
          message: `must be ${JSON.stringify(params.allowedValue)}`,
        },
      ];
    case "enum":
      return [
        {
          path: pointerPath(at),
          code: FieldErrorCode.badValue,
          message: `must be one of ${(Array.isArray(params.allowedValues) ? params.allowedValues : []).map((v) => JSON.stringify(v)).join(", ")}`,
        },
      ];
    default:
      return [{ path: pointerPath(at), code: FieldErrorCode.badValue, message: error.message }];
  }
}

/** Every problem TypeBox found, once each, in the order found. */
export function schemaDetails(root: TSchema, errors: Iterable<SchemaError>): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // `schema is false`: the additionalProperties error on the parent names the same field.
    if (error.keyword === "boolean") continue;
    // One branch of a union failing says nothing the union's own error does not.
    if (error.schemaPath.includes("/anyOf/")) continue;
    for (const detail of detailOf(root, error)) {
      const key = `${detail.path}\0${detail.code}`;
      if (seen.has(key)) continue;
      seen.add(key);
      details.push(detail);
    }
  }
  return details;
}
