/**
 * Failed builds are retried with exponential backoff per failure class, not every night forever: a kernel whose
 * headers are missing today may get them tomorrow; a compile error needs a new compiler or module source (which
 * changes the cache key and so retries at once anyway).
 */
export const FAILURE_REASONS = [
  "headers-unavailable",
  "checksum-mismatch",
  "compiler-mismatch",
  "compile-error",
  "verify-failed",
  "infrastructure",
  "unknown",
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** First retry delay per class; each further failure doubles it up to MAX_DELAY_MS. */
export const BASE_DELAY_MS: Record<FailureReason, number> = {
  "headers-unavailable": DAY,
  "checksum-mismatch": DAY,
  "compiler-mismatch": 7 * DAY,
  "compile-error": 7 * DAY,
  "verify-failed": 7 * DAY,
  infrastructure: HOUR,
  unknown: DAY,
};
export const MAX_DELAY_MS = 60 * DAY;

/** Delay before attempt `attempts + 1`, given `attempts` consecutive failures so far (attempts ≥ 1). */
export function retryDelayMs(reason: FailureReason, attempts: number): number {
  const exp = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(BASE_DELAY_MS[reason] * 2 ** exp, MAX_DELAY_MS);
}

export function nextRetryAt(reason: FailureReason, attempts: number, failedAt: Date): string {
  return new Date(failedAt.getTime() + retryDelayMs(reason, attempts)).toISOString();
}

/** Maps an error code (KmodforgeError.code) or a free-form word onto a failure class. */
export function classifyFailure(code: string | undefined): FailureReason {
  switch (code) {
    case "HEADERS_UNAVAILABLE":
    case "headers-unavailable":
      return "headers-unavailable";
    case "CHECKSUM_MISMATCH":
    case "SIGNATURE_INVALID":
    case "UNVERIFIED_SOURCE_REFUSED":
    case "checksum-mismatch":
      return "checksum-mismatch";
    case "COMPILER_MISMATCH":
    case "compiler-mismatch":
      return "compiler-mismatch";
    case "COMPILE_FAILED":
    case "compile-error":
      return "compile-error";
    case "VERIFY_FAILED":
    case "verify-failed":
      return "verify-failed";
    case "EXTERNAL_TOOL_FAILED":
    case "STATE_CONFLICT":
    case "infrastructure":
      return "infrastructure";
    default:
      return "unknown";
  }
}
