// What the compiler produces: ordinary Envoy resources as the generated (ts-proto) messages, the
// same the snapshot builder decodes from stored JSON, and the problems it worked around.
import { KINDS, type KindName, type MessageOfName } from "../../../../proto/index.js";
import type { MeshKindName } from "../kinds/index.js";

/** One compiled Envoy resource; `name` is reserved (names.ts). */
export interface CompiledResource<N extends KindName = KindName> {
  readonly kind: N;
  readonly name: string;
  readonly message: MessageOfName<N>;
}

/**
 * Something in the mesh documents the compiler could not honour and left out (a backend naming
 * no Service, an endpoint whose address is a host name...). The rest still compiles; these are
 * for logs and `weft describe`, as consistency issues are for raw resources.
 */
export interface CompileIssue {
  readonly kind: MeshKindName;
  readonly name: string;
  /** Field path inside that document. */
  readonly path: string;
  readonly message: string;
}

/** Envoy's JSON form of a message, as the compiler writes it (proto3 JSON mapping, camelCase). */
export type EnvoyJson = Record<string, unknown>;

/**
 * Decodes Envoy JSON written by the compiler into `kind`'s message. The compiler writes only
 * what the codec takes, so a ProtoError here is a bug in the compiler and propagates.
 */
export function compiled<N extends KindName>(kind: N, json: EnvoyJson): CompiledResource<N> {
  const info = KINDS[kind];
  const message = info.fromJson(json) as MessageOfName<N>;
  return { kind, name: info.nameOf(message as never), message };
}
