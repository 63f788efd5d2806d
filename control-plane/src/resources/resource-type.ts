import type { ErrorDetail } from "../errors.js";
import type { KindInfo, ResourceKind } from "./kinds.js";

/** A dependency of one resource on another, found at `path` inside the referring resource. */
export interface ResourceRef {
  readonly kind: ResourceKind;
  readonly name: string;
  /** Field path inside the referring resource, e.g. `virtual_hosts[0].routes[1].route.cluster`. */
  readonly path: string;
}

/**
 * What each kind adds on top of the JSON codec's structural checks. `T` is the generated (ts-proto)
 * message type.
 */
export interface ResourceType<T> {
  readonly info: KindInfo;
  /**
   * Semantic checks, as Envoy or a gRPC xDS client would NACK the resource: every problem, with
   * its field path in proto (snake_case) names. An empty list means valid.
   */
  validate(message: T): ErrorDetail[];
  /** The other resources this one needs (routes by RDS name, clusters by route action, endpoints by EDS name). */
  references(message: T): ResourceRef[];
}
