// The bearer token of an `authorization` value, as the REST API's header and the gRPC services'
// metadata carry it: `Bearer TOKEN` (the scheme in any case, blanks around the token allowed).
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The token of `value`, or undefined for no value, another scheme, or nothing after "Bearer". */
export function bearerOf(value: unknown): string | undefined {
  return typeof value === "string" ? BEARER.exec(value)?.[1] : undefined;
}
