// When a workload certificate is valid, and when its holder should replace it.
import { ErrorCode, ValidationCode, WeftError } from "../errors.js";

/** A workload certificate's default lifetime (Istio's default workload TTL). */
export const DEFAULT_LEAF_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * How far before its issue a certificate is made valid, so a peer whose clock runs behind the
 * CA's still accepts it. It is validity, not lifetime: rotation counts from the issue time.
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 60 * 1000;

export interface LeafValidity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Throws WEFT_BAD_REQUEST (path `path`) unless `ms` is a whole number of milliseconds above 0. */
export function checkDuration(ms: number, path: string): number {
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    const problem = "must be a whole number of milliseconds greater than 0";
    throw new WeftError(ErrorCode.badRequest, `${path} ${problem}`, {
      details: [{ path, message: problem, code: ValidationCode.outOfRange }],
    });
  }
  return ms;
}

/**
 * The validity of a certificate issued at `now` for `ttlMs`: from the skew allowance before `now`
 * to `now + ttlMs`, but never past `caNotAfter` (a certificate cannot outlive what verifies it).
 */
export function leafValidity(now: number, ttlMs: number, caNotAfter: Date): LeafValidity {
  return {
    notBefore: new Date(now - CLOCK_SKEW_ALLOWANCE_MS),
    notAfter: new Date(Math.min(now + ttlMs, caNotAfter.getTime())),
  };
}

/**
 * When a certificate issued by this CA is due for rotation: at half of its lifetime, counted from
 * its issue time (its notBefore plus the skew allowance), as Istio rotates at half-life. Counting
 * from notBefore itself would make a TTL of seconds due at once.
 */
export function rotationTime(notBefore: Date, notAfter: Date): Date {
  const issuedAt = Math.min(notBefore.getTime() + CLOCK_SKEW_ALLOWANCE_MS, notAfter.getTime());
  return new Date(issuedAt + (notAfter.getTime() - issuedAt) / 2);
}

/** True once `now` (milliseconds since the epoch) has reached the certificate's rotationTime. */
export function rotationDue(notBefore: Date, notAfter: Date, now: number): boolean {
  return now >= rotationTime(notBefore, notAfter).getTime();
}
