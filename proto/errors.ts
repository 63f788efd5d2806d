// The proto package's error codes: one table, so callers (the REST API, the proxy's NACK
// messages) can map them without reading message text.

/** Why one field of a JSON resource was refused. */
export const FieldErrorCode = {
  /** A key that names no field of the message, in Weft's subset or in Envoy's API. */
  unknownField: "WEFT_JSON_UNKNOWN_FIELD",
  /** A real field of Envoy's message that Weft's subset leaves out (`cors`, `rate_limits`, ...). */
  unsupportedField: "WEFT_JSON_FIELD_UNSUPPORTED",
  /** The same field given twice, e.g. as `stat_prefix` and `statPrefix`. */
  duplicateField: "WEFT_JSON_DUPLICATE_FIELD",
  /** Two members of one oneof set at once. */
  oneofConflict: "WEFT_JSON_ONEOF_CONFLICT",
  /** A value of the wrong JSON type (a string where a number belongs, ...). */
  wrongType: "WEFT_JSON_WRONG_TYPE",
  /** A number outside its field's range, or not an integer where one is required. */
  outOfRange: "WEFT_JSON_OUT_OF_RANGE",
  /** A string that does not parse as the field's format (duration, timestamp, base64, enum name). */
  badValue: "WEFT_JSON_BAD_VALUE",
  /** An `Any` whose `@type` is missing or names a message Weft does not know. */
  unknownType: "WEFT_JSON_UNKNOWN_TYPE",
  /** A top-level "@type" that names another type than the resource's kind. */
  typeMismatch: "WEFT_JSON_TYPE_MISMATCH",
  /** Objects and arrays nested deeper than the codec allows. */
  tooDeep: "WEFT_JSON_TOO_DEEP",
} as const;

export type FieldErrorCode = (typeof FieldErrorCode)[keyof typeof FieldErrorCode];

/** Errors the proto package throws as a whole. */
export const ProtoErrorCode = {
  /** A JSON resource failed to decode; `fieldErrors` says where and why. */
  invalidJson: "WEFT_INVALID_RESOURCE_JSON",
  /** An `Any` names a type the subset does not define. */
  unknownType: "WEFT_PROTO_UNKNOWN_TYPE",
  /** An `Any` holds another type than the one expected. */
  typeMismatch: "WEFT_PROTO_TYPE_MISMATCH",
  /** Bytes that do not decode as the expected message. */
  malformed: "WEFT_PROTO_MALFORMED",
} as const;

export type ProtoErrorCode = (typeof ProtoErrorCode)[keyof typeof ProtoErrorCode];

/** One refused field: where (`virtual_hosts[0].routes[2].match.prefix`), which rule, and a readable reason. */
export interface FieldError {
  readonly path: string;
  readonly code: FieldErrorCode;
  readonly message: string;
  /**
   * For an unknown field or enum name: the closest name the message or enum accepts, spelt as
   * the input spelt its own (snake_case or lowerCamelCase), when one is close enough to be a slip.
   */
  readonly suggestion?: string;
}

export class ProtoError extends Error {
  override readonly name = "ProtoError";
  readonly code: ProtoErrorCode;
  /** Every field that was refused, in document order; empty unless `code` is invalidJson. */
  readonly fieldErrors: readonly FieldError[];

  constructor(code: ProtoErrorCode, message: string, fieldErrors: readonly FieldError[] = []) {
    super(message);
    this.code = code;
    this.fieldErrors = fieldErrors;
  }
}
