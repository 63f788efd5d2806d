// The proto package's public surface: type URLs, Any packing, the strict JSON codec and the
// descriptor registry. Generated message types are imported from proto/gen/ directly.
export { packAny, unpackAny, unpackAnyAs } from "./any.js";
export { contentVersion, versionOfCanonicalJson } from "./content-version.js";
export { acceptedEnumValues, isAcceptedEnumValue, listOfNames, unsupportedEnumValueMessage } from "./enum-support.js";
export { type FieldError, FieldErrorCode, ProtoError, ProtoErrorCode } from "./errors.js";
export { decodeJson, type JsonDecodeOptions } from "./json-decode.js";
export { canonicalJson, encodeJson, type JsonValue } from "./json-encode.js";
export {
  descriptorSetBytes,
  descriptors,
  enumDescriptor,
  type MessageCodec,
  type MessageTypeName,
  messageCodec,
  messageDescriptor,
  messageTypeNames,
} from "./registry.js";
export { TYPE_URL_PREFIX, TypeUrl, typeNameOf, typeUrlOf } from "./type-urls.js";
