// Turning a SotW response's Anys into named, decoded resources, or the reason to NACK it.
import type { Any } from "../../../proto/gen/google/protobuf/any.js";
import { ProtoError, ProtoErrorCode, unpackAnyAs, xdsTypeOfTypeUrl } from "../../../proto/index.js";
import { XdsClientError, XdsClientErrorCode } from "./errors.js";

/** One resource of a response, decoded into its generated message type. */
export interface DecodedResource<T = unknown> {
  readonly name: string;
  readonly resource: T;
  /** Delta only: the version the server gave this resource (SotW has one version per response). */
  readonly version?: string;
  /**
   * SotW only: the message's bytes as received (a view into the response), so a handler can tell
   * a resource resent unchanged from a changed one without comparing messages.
   */
  readonly encoded?: Uint8Array;
}

/**
 * Decodes every Any of a response whose type_url is `typeUrl`, one of the xDS resource types'
 * (proto/kinds: the kinds and the SDS Secret), as that type's message, named as the type names it. Throws an XdsClientError for an
 * Any of another type (docs/xds-protocol.md #15), one that does not decode, one without a name, or a
 * name given twice (docs/xds-protocol.md #14): each is a reason to NACK the whole response.
 */
export function decodeResources(typeUrl: string, anys: readonly Any[]): DecodedResource[] {
  const kind = xdsTypeOfTypeUrl(typeUrl);
  if (kind === undefined) {
    throw new XdsClientError(XdsClientErrorCode.typeMismatch, `response type_url "${typeUrl}" names no resource type`);
  }
  const { typeName } = kind;
  const seen = new Set<string>();
  return anys.map((any, index) => {
    const field = `resources[${index}]`;
    let resource: unknown;
    try {
      resource = unpackAnyAs<unknown>(any, typeName);
    } catch (error) {
      const mismatch = error instanceof ProtoError && error.code === ProtoErrorCode.typeMismatch;
      throw new XdsClientError(
        mismatch ? XdsClientErrorCode.typeMismatch : XdsClientErrorCode.malformedResource,
        mismatch
          ? `Any type_url "${any.typeUrl}" does not match the message-wide type URL "${typeUrl}"`
          : `does not decode as ${typeName}`,
        { field, cause: error },
      );
    }
    const name = kind.nameOf(resource);
    if (name === "") {
      throw new XdsClientError(XdsClientErrorCode.unnamedResource, "the resource has no name", {
        field: `${field}.name`,
      });
    }
    if (seen.has(name)) {
      throw new XdsClientError(XdsClientErrorCode.duplicateResource, "the name appears twice in one response", {
        resourceName: name,
        field: `${field}.name`,
      });
    }
    seen.add(name);
    return { name, resource, encoded: any.value };
  });
}
