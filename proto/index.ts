// The proto package's public surface: the resource kinds, type URLs, content versions, Any packing, the strict JSON codec and the
// descriptor registry. Generated message types are imported from proto/gen/ directly.
export { packAny, unpackAny, unpackAnyAs, unpackIfHolds } from "./any.js";
export { contentVersion, versionOfCanonicalJson, versionOfSet } from "./content-version.js";
export { acceptedEnumValues, isAcceptedEnumValue, listOfNames, unsupportedEnumValueMessage } from "./enum-support.js";
export { type FieldError, FieldErrorCode, ProtoError, ProtoErrorCode } from "./errors.js";
export { entry, field, item } from "./field-path.js";
export { decodeJson, type JsonDecodeOptions } from "./json-decode.js";
export { canonicalJson, encodeJson, type JsonValue } from "./json-encode.js";
export {
  ALL_KINDS,
  clusterKind,
  endpointKind,
  isKindName,
  isKindTypeUrl,
  KIND_NAMES,
  KINDS,
  KINDS_BY_TYPE_URL,
  type Kind,
  type KindEntry,
  type KindName,
  type KindOf,
  type KindTypeUrl,
  kindOfName,
  kindOfTypeUrl,
  listenerKind,
  type MessageOf,
  type MessageOfKind,
  type MessageOfName,
  type ResourceRef,
  ROOT_SECRET_NAME,
  routeKind,
  secretType,
  WORKLOAD_SECRET_NAME,
  type XdsMessageOf,
  type XdsResourceType,
  type XdsTypeUrl,
  xdsTypeOfTypeUrl,
} from "./kinds/index.js";
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
