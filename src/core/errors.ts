/**
 * Typed failures. Every failure kind carries the facts a user needs to act on it and maps to one CLI exit code
 * and one HTTP status (`httpStatus`, for any caller that answers over HTTP), so every front end reports the same
 * failure the same way.
 */

export type ErrorCode =
  | "INVALID_INPUT"
  | "UNSUPPORTED_TARGET"
  | "HEADERS_UNAVAILABLE"
  | "CHECKSUM_MISMATCH"
  | "SIGNATURE_INVALID"
  | "UNVERIFIED_SOURCE_REFUSED"
  | "COMPILER_MISMATCH"
  | "COMPILE_FAILED"
  | "VERIFY_FAILED"
  | "STATE_CONFLICT"
  | "CONFIG_INVALID"
  | "EXTERNAL_TOOL_FAILED"
  | "ARTIFACT_NOT_FOUND"
  | "INDEX_SIGNATURE_INVALID"
  | "ARTIFACT_CONFLICT"
  /** Not a failure: the package's build-exclusive rules (dkms.conf BUILD_EXCLUSIVE_*) leave this kernel out. */
  | "BUILD_EXCLUDED";

/**
 * Exit codes of the CLI: one per failure kind, plus success and an unexpected crash. Commands that report several
 * outcomes (a sweep whose builds partly failed) exit with the code of the failure kind they report.
 */
export const EXIT_CODES = {
  OK: 0,
  UNEXPECTED: 1,
  INVALID_INPUT: 2,
  CONFIG_INVALID: 2,
  UNSUPPORTED_TARGET: 3,
  HEADERS_UNAVAILABLE: 4,
  CHECKSUM_MISMATCH: 5,
  SIGNATURE_INVALID: 5,
  UNVERIFIED_SOURCE_REFUSED: 5,
  COMPILER_MISMATCH: 6,
  COMPILE_FAILED: 7,
  VERIFY_FAILED: 8,
  STATE_CONFLICT: 9,
  EXTERNAL_TOOL_FAILED: 10,
  /** `lookup`: the store has no artifact for the identity (an answer, not a fault). */
  ARTIFACT_NOT_FOUND: 1,
  /** The store's index does not verify against the configured public key. */
  INDEX_SIGNATURE_INVALID: 11,
  /** A different artifact is already published under this identity and driver version. */
  ARTIFACT_CONFLICT: 12,
  // DKMS's own code for "skipped due to BUILD_EXCLUSIVE", so scripts that know DKMS read it the same way.
  BUILD_EXCLUDED: 77,
} as const satisfies Record<ErrorCode | "OK" | "UNEXPECTED", number>;

/** The CLI exit code of a failure kind (also for answers such as "not found" that are not thrown). */
export function exitCodeOf(code: ErrorCode): number {
  return EXIT_CODES[code];
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  CONFIG_INVALID: 500,
  UNSUPPORTED_TARGET: 422,
  HEADERS_UNAVAILABLE: 404,
  CHECKSUM_MISMATCH: 502,
  SIGNATURE_INVALID: 502,
  UNVERIFIED_SOURCE_REFUSED: 502,
  COMPILER_MISMATCH: 422,
  COMPILE_FAILED: 500,
  VERIFY_FAILED: 500,
  STATE_CONFLICT: 409,
  EXTERNAL_TOOL_FAILED: 500,
  ARTIFACT_NOT_FOUND: 404,
  INDEX_SIGNATURE_INVALID: 502,
  ARTIFACT_CONFLICT: 409,
  BUILD_EXCLUDED: 422,
};

export class KmodforgeError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "KmodforgeError";
    this.code = code;
    this.details = details;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  toJSON(): { code: ErrorCode; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** One rejected input field: which field, what was given, what form is expected. */
export interface FieldIssue {
  field: string;
  given: string;
  expected: string;
  message: string;
}

export class InvalidInputError extends KmodforgeError {
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[]) {
    super("INVALID_INPUT", issues.map((i) => i.message).join("; "), { issues });
    this.name = "InvalidInputError";
    this.issues = issues;
  }
}

export class ChecksumMismatchError extends KmodforgeError {
  constructor(url: string, expected: string, actual: string) {
    super("CHECKSUM_MISMATCH", `checksum mismatch for ${url}: expected sha256 ${expected}, got ${actual}`, {
      url,
      expected,
      actual,
    });
    this.name = "ChecksumMismatchError";
  }
}

export class VerifyFailedError extends KmodforgeError {
  constructor(check: string, expected: string, actual: string, hint = "") {
    super(
      "VERIFY_FAILED",
      `verify gate: ${check} failed: expected ${expected}, got ${actual}${hint ? ` (${hint})` : ""}`,
      {
        check,
        expected,
        actual,
      },
    );
    this.name = "VerifyFailedError";
  }
}

/** Shows a user-supplied value safely inside an error message (control characters escaped, long values cut). */
export function showValue(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const escaped = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  return escaped;
}

export type Result<T, E = KmodforgeError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = <E>(error: E): Result<never, E> => ({ ok: false, error });
