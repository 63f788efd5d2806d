// The If-Match request header as the API reads it: a revision number (optionally quoted, as an
// ETag), or "*". Weak tags and lists are refused: a precondition must be exact.
import { ErrorCode, WeftError } from "../errors.js";

/** A revision the target must be at (0: must not exist), or "*": must exist at any revision. */
export type IfMatch = number | "*";

export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === "*") return "*";
  const digits = /^"?(\d{1,15})"?$/.exec(value)?.[1];
  const revision = digits === undefined ? Number.NaN : Number(digits);
  if (!Number.isSafeInteger(revision) || value.startsWith('"') !== value.endsWith('"')) {
    throw new WeftError(
      ErrorCode.badRequest,
      `If-Match must be a revision number or "*", not ${JSON.stringify(header)}`,
      {
        details: [{ path: "headers.if-match", message: 'expected a revision number, e.g. If-Match: 12, or "*"' }],
      },
    );
  }
  return revision;
}

/** The ETag value for a revision: If-Match accepts it back as it is. */
export function etagOf(revision: number): string {
  return `"${revision}"`;
}

/**
 * Checks a resource's If-Match against what was read: throws 409 WEFT_CONFLICT when it does not
 * hold. Returns the modRevision the commit must still find (0: absent), to make the check atomic.
 */
export function checkResourceIfMatch(
  ifMatch: IfMatch,
  existing: { readonly modRevision: number } | undefined,
  what: string,
): number {
  const found = existing?.modRevision ?? 0;
  const holds = ifMatch === "*" ? existing !== undefined : ifMatch === found;
  if (!holds) {
    const expected = ifMatch === "*" ? "to exist" : ifMatch === 0 ? "not to exist" : `to be at revision ${ifMatch}`;
    const actual = existing === undefined ? "it does not exist" : `it is at revision ${found}`;
    throw new WeftError(ErrorCode.conflict, `If-Match failed: expected ${what} ${expected}, but ${actual}`, {
      details: [{ path: "headers.if-match", message: `expected ${expected}; ${actual}` }],
    });
  }
  return found;
}

/** Checks a store-wide If-Match (apply, rollback) against the revision read. */
export function checkStoreIfMatch(ifMatch: IfMatch | undefined, revision: number): void {
  if (ifMatch === undefined || ifMatch === "*" || ifMatch === revision) return;
  throw new WeftError(
    ErrorCode.conflict,
    `If-Match failed: expected store revision ${ifMatch}, but it is ${revision}`,
    {
      details: [{ path: "headers.if-match", message: `the store is at revision ${revision}` }],
    },
  );
}
