import { createHash } from "node:crypto";
import { type FieldIssue, InvalidInputError } from "./errors.js";
import { type IdentityKey, identityKey } from "./identity.js";

/**
 * Content cache key of a module build: SHA-256 of the canonical JSON of everything that decides the bytes of the
 * result. Two builds with equal keys are interchangeable; any change to an input changes the key.
 */

/** Bumped whenever the build changes in a way none of the inputs below captures. */
export const CACHE_KEY_SCHEMA = 1;

export interface CacheKeyInput {
  identity: IdentityKey;
  /** moduleSourceDigest() of the module's source tree. */
  moduleSourceDigest: string;
  /** The compiler text the build ran with, e.g. `gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0`. */
  toolchainId: string;
  /** SHA-256 of every header package the build installed. Order does not matter. */
  headerPackageSha256: readonly string[];
  /** Make variables and flags the build passed, e.g. `KCFLAGS=-O2`. Order does not matter. */
  buildFlags: readonly string[];
}

/** One file of a module source tree. `mode` is the Unix mode; only the file type and executable bit count. */
export interface SourceEntry {
  path: string;
  sha256: string;
  mode: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** JSON with object keys sorted at every level, so equal values always serialise to equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function issue(field: string, given: string, expected: string): FieldIssue {
  return {
    field,
    given,
    expected,
    message: `${field}: invalid value ${JSON.stringify(given.slice(0, 80))}; expected ${expected}`,
  };
}

/** Git-like mode: symlink, executable file or plain file. Permission noise (umask, group bits) does not count. */
export function normaliseMode(mode: number): "120000" | "100755" | "100644" {
  if ((mode & 0o170000) === 0o120000) return "120000";
  return mode & 0o111 ? "100755" : "100644";
}

/**
 * Digest of a module source tree from its entries (path relative to the tree root with `/` separators, content
 * SHA-256, mode). Entry order does not matter. Throws InvalidInputError on an unsafe path, a bad hash or a path
 * listed twice.
 */
export function moduleSourceDigest(entries: readonly SourceEntry[]): string {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    const parts = e.path.split("/");
    if (
      e.path === "" ||
      e.path.startsWith("/") ||
      parts.some((p) => p === "" || p === "." || p === "..") ||
      e.path.includes("\0")
    ) {
      issues.push(issue("path", e.path, "a relative path without empty, . or .. segments"));
    }
    if (!SHA256.test(e.sha256)) issues.push(issue("sha256", e.sha256, "64 lowercase hex digits"));
    if (!Number.isInteger(e.mode) || e.mode < 0)
      issues.push(issue("mode", String(e.mode), "a Unix mode number"));
    if (seen.has(e.path)) issues.push(issue("path", e.path, "each path once"));
    seen.add(e.path);
  }
  if (issues.length) throw new InvalidInputError(issues);
  const canonical = [...entries]
    .sort((a, b) => byCodeUnit(a.path, b.path))
    .map((e) => [e.path, normaliseMode(e.mode), e.sha256]);
  return sha256Hex(canonicalJson({ schema: "kmodforge-source/1", entries: canonical }));
}

/** The cache key (64 hex digits). Throws InvalidInputError when a digest or checksum is not SHA-256 hex. */
export function cacheKey(input: CacheKeyInput): string {
  const issues: FieldIssue[] = [];
  if (!SHA256.test(input.moduleSourceDigest))
    issues.push(issue("moduleSourceDigest", input.moduleSourceDigest, "64 lowercase hex digits"));
  for (const h of input.headerPackageSha256)
    if (!SHA256.test(h)) issues.push(issue("headerPackageSha256", h, "64 lowercase hex digits"));
  if (typeof input.toolchainId !== "string" || input.toolchainId.trim() === "")
    issues.push(issue("toolchainId", String(input.toolchainId), "the compiler's version text"));
  if (issues.length) throw new InvalidInputError(issues);
  return sha256Hex(
    canonicalJson({
      schema: CACHE_KEY_SCHEMA,
      identity: identityKey(input.identity),
      moduleSourceDigest: input.moduleSourceDigest,
      toolchainId: input.toolchainId.trim(),
      headerPackageSha256: [...new Set(input.headerPackageSha256)].sort(byCodeUnit),
      buildFlags: [...input.buildFlags].sort(byCodeUnit),
    }),
  );
}
