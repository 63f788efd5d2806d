// The one place where the control plane's error codes become HTTP statuses. Typed as a complete
// record, so a code added to errors.ts without a status here fails the type check.
import { ErrorCode } from "../errors.js";

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.invalidResource]: 400,
  [ErrorCode.invalidJson]: 400,
  [ErrorCode.invalidYaml]: 400,
  [ErrorCode.invalidName]: 400,
  [ErrorCode.nameMismatch]: 400,
  [ErrorCode.kindMismatch]: 400,
  // KIND is part of the path: a kind that does not exist is a collection that does not exist.
  [ErrorCode.unknownKind]: 404,
  [ErrorCode.bodyTooLarge]: 413,
  [ErrorCode.unsupportedMediaType]: 415,
  [ErrorCode.badRequest]: 400,
  [ErrorCode.invalidRegistration]: 400,
  [ErrorCode.notFound]: 404,
  [ErrorCode.conflict]: 409,
  [ErrorCode.referenced]: 409,
  // The entry belongs to the registry: the request conflicts with who owns it.
  [ErrorCode.registeredWorkload]: 409,
  [ErrorCode.compacted]: 404,
  [ErrorCode.revisionNotFound]: 404,
  [ErrorCode.unauthorized]: 401,
  [ErrorCode.tokenInvalid]: 401,
  [ErrorCode.forbidden]: 403,
  [ErrorCode.rateLimited]: 429,
  [ErrorCode.routeNotFound]: 404,
  [ErrorCode.methodNotAllowed]: 405,
  [ErrorCode.invalidIdentity]: 400,
  [ErrorCode.invalidCsr]: 400,
  [ErrorCode.csrKeyUnsupported]: 400,
  // The control plane's own signing material is at fault, not the request.
  [ErrorCode.caInvalid]: 500,
  // Answered on the TLS xDS port only (gRPC UNAUTHENTICATED and PERMISSION_DENIED there).
  [ErrorCode.certificateRequired]: 401,
  [ErrorCode.identityMismatch]: 403,
  // Never answered to a request (main.ts refuses to start), but every code has a status.
  [ErrorCode.insecureListen]: 500,
  [ErrorCode.listenFailed]: 500,
  [ErrorCode.storeFailed]: 503,
  [ErrorCode.internal]: 500,
};

/** The status for `code`; 500 for a code this build does not know (it cannot be the client's fault). */
export function httpStatusOf(code: string): number {
  return (HTTP_STATUS as Readonly<Record<string, number>>)[code] ?? 500;
}
