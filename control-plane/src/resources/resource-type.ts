import type { ErrorDetail } from "../errors.js";

/**
 * What the control plane adds to a kind (proto/kinds) on top of the JSON codec's structural
 * checks. `T` is the generated (ts-proto) message type.
 */
export interface ResourceType<T> {
  /**
   * Semantic checks, as Envoy or a gRPC xDS client would NACK the resource: every problem, with
   * its field path in proto (snake_case) names. An empty list means valid.
   */
  validate(message: T): ErrorDetail[];
}
