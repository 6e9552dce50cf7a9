import { EXIT_CODES } from "../errors.js";

/**
 * Exit codes of the node loader (scripts/kmodforge-loader.sh, docs/service.md). The loader is POSIX sh and cannot
 * import this; a test holds the script's `EXIT_*` assignments equal to these. Where the loader fails the way a
 * kmodforge command does, it exits with that command's code; what only a loader sees (the service cannot be reached,
 * a build outlived the wait) has codes of its own, unused elsewhere.
 */
export const LOADER_EXIT_CODES = {
  LOADED: EXIT_CODES.OK,
  UNEXPECTED: EXIT_CODES.UNEXPECTED,
  /** A bad option or configuration. */
  USAGE: EXIT_CODES.INVALID_INPUT,
  /** The identity could not be detected, or the service refused it (400/422). */
  IDENTITY: EXIT_CODES.UNSUPPORTED_TARGET,
  /** A downloaded file does not match its SHA-256 (or SHA256SUMS): nothing is loaded. */
  CHECKSUM: EXIT_CODES.CHECKSUM_MISMATCH,
  /** The on-demand build failed (the reason, log URL and retry-after are printed). */
  BUILD_FAILED: EXIT_CODES.COMPILE_FAILED,
  /** The kernel refused a module (insmod/modprobe failed); modules loaded before it are unloaded again. */
  LOAD: EXIT_CODES.VERIFY_FAILED,
  /** A tool is missing or failed (curl, xz, sha256sum …). */
  TOOL: EXIT_CODES.EXTERNAL_TOOL_FAILED,
  /** The index signature does not verify with the configured public key: nothing is loaded. */
  SIGNATURE: EXIT_CODES.INDEX_SIGNATURE_INVALID,
  /** The service cannot be reached, or answered something the loader does not understand. */
  SERVICE: 13,
  /** No build finished within the wait (the loader's --timeout, or the service's timed_out). */
  TIMEOUT: 14,
} as const;
