// Packing messages into google.protobuf.Any and back, by type name through the registry.
import { ProtoError, ProtoErrorCode } from "./errors.js";
import type { Any } from "./gen/google/protobuf/any.js";
import { messageCodec } from "./registry.js";
import { typeNameOf, typeUrlOf } from "./type-name.js";

/** Encodes `message` (a generated object of type `typeName`) into an Any with the standard type URL. */
export function packAny(typeName: string, message: unknown): Any {
  const codec = messageCodec(typeName);
  if (!codec) throw new ProtoError(ProtoErrorCode.unknownType, `${typeName} is not a message Weft defines`);
  return { typeUrl: typeUrlOf(typeName), value: codec.encode(message).finish() };
}

/** Decodes an Any whatever it holds; the type name comes from its URL. */
export function unpackAny(any: Any): { typeName: string; message: unknown } {
  const typeName = typeNameOf(any.typeUrl);
  const codec = typeName === undefined ? undefined : messageCodec(typeName);
  if (typeName === undefined || !codec) {
    throw new ProtoError(ProtoErrorCode.unknownType, `"${any.typeUrl}" is not a type Weft knows`);
  }
  try {
    return { typeName, message: codec.decode(any.value) };
  } catch (cause) {
    throw new ProtoError(ProtoErrorCode.malformed, `the Any holding ${typeName} does not decode: ${String(cause)}`);
  }
}

/** Decodes an Any that must hold `typeName` (an Envoy client NACKs the same mismatch, docs/xds-protocol.md #15). */
export function unpackAnyAs<T>(any: Any, typeName: string): T {
  const actual = typeNameOf(any.typeUrl);
  if (actual !== typeName) {
    throw new ProtoError(ProtoErrorCode.typeMismatch, `expected an Any holding ${typeName}, got "${any.typeUrl}"`);
  }
  return unpackAny(any).message as T;
}

/**
 * The message inside `any` if it holds `typeName` and decodes, else undefined: for reading what a
 * resource refers to, where a missing or bad Any is the validator's to report.
 */
export function unpackIfHolds<T>(any: Any | undefined, typeName: string): T | undefined {
  if (any === undefined || typeNameOf(any.typeUrl) !== typeName) return undefined;
  try {
    return unpackAny(any).message as T;
  } catch {
    return undefined;
  }
}
