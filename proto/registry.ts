// Reflection over Weft's protobuf subset: the descriptors of every message (read from the
// descriptor set that `npm run gen` writes) joined with the ts-proto encoder for the same type.
import { createFileRegistry, type DescEnum, type DescMessage, type FileRegistry, fromBinary } from "@bufbuild/protobuf";
import type { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { descriptorSetBase64 } from "./gen/descriptor-set.js";
import { generatedMessages } from "./gen/registry.js";

/** The encoder and decoder ts-proto generates for one message type. */
export interface MessageCodec<T = unknown> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  /** Builds a complete message (every scalar at its default) from some of its fields. */
  fromPartial(object: unknown): T;
}

/** Full protobuf name of every message that has generated code, e.g. `envoy.config.listener.v3.Listener`. */
export type MessageTypeName = keyof typeof generatedMessages;

/** The raw descriptor set, as gRPC reflection serves it. */
export const descriptorSetBytes: Uint8Array = Buffer.from(descriptorSetBase64, "base64");

let registry: FileRegistry | undefined;

/**
 * Every file, message and enum of the subset, with its dependencies resolved. Built on first use:
 * a proxy that never reads or writes JSON never pays for it (a few MB of heap).
 */
export function descriptors(): FileRegistry {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSetBytes));
  return registry;
}

const codecs: ReadonlyMap<string, MessageCodec> = new Map(
  Object.entries(generatedMessages).map(([name, codec]) => [name, codec as unknown as MessageCodec]),
);

export function messageDescriptor(typeName: string): DescMessage | undefined {
  return descriptors().getMessage(typeName);
}

export function enumDescriptor(typeName: string): DescEnum | undefined {
  return descriptors().getEnum(typeName);
}

/** The generated codec for a message type, or undefined when the subset does not define it. */
export function messageCodec(typeName: string): MessageCodec | undefined {
  return codecs.get(typeName);
}

/** Every message type that has generated code, sorted by name. */
export function messageTypeNames(): string[] {
  return [...codecs.keys()].sort();
}
