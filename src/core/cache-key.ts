import { type FieldIssue, InvalidInputError } from "./errors.js";
import { byCodeUnit, canonicalJson, sha256Hex } from "./hash.js";
import { type IdentityKey, identityKey } from "./identity.js";

/**
 * The cache key of a module build — the one key the matrix, the state store, builds and published metadata share:
 * SHA-256 over everything that decides the result and is known before the build runs (so a sweep can skip work):
 * the identity, the module source, the compiler the kernel line needs, the builder image, the header packages and
 * the build flags. Two builds with equal keys are interchangeable; any change to an input changes the key.
 */

/** Bumped whenever the build changes in a way none of the inputs below captures; every entry then rebuilds once. */
export const CACHE_KEY_SCHEMA = 2;

/** One header package: name, version, and its checksum (or, when no checksum is known, its URL). */
export interface CacheKeyHeaderFile {
  name: string;
  version?: string;
  sha256?: string;
  url?: string;
}

export interface CacheKeyInput {
  identity: IdentityKey;
  /** moduleSourceDigest() of the module's source tree; "" when a matrix was made without a module. */
  moduleSourceDigest: string;
  /** The compiler the kernel line is built with, per the targets policy. */
  compiler: { family: string; major: number };
  /** The builder's base image (targets/ builderImage). */
  builderImage: string;
  /** The header packages, when known; otherwise the reference a resolution starts from. */
  headers: { kind: "files"; files: readonly CacheKeyHeaderFile[] } | { kind: "resolve"; ref: string };
  /** Make variables and flags the build passed, e.g. `KCFLAGS=-O2`, `signed`. Order does not matter. */
  buildFlags: readonly string[];
}

/** One file of a module source tree. `mode` is the Unix mode; only the file type and executable bit count. */
export interface SourceEntry {
  path: string;
  sha256: string;
  mode: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

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
  if (input.moduleSourceDigest !== "" && !SHA256.test(input.moduleSourceDigest))
    issues.push(issue("moduleSourceDigest", input.moduleSourceDigest, "64 lowercase hex digits"));
  const files = input.headers.kind === "files" ? input.headers.files : [];
  for (const f of files)
    if (f.sha256 !== undefined && !SHA256.test(f.sha256))
      issues.push(issue("headers.sha256", f.sha256, "64 lowercase hex digits"));
  if (!Number.isInteger(input.compiler.major) || input.compiler.major <= 0)
    issues.push(issue("compiler.major", String(input.compiler.major), "a positive compiler major version"));
  if (issues.length) throw new InvalidInputError(issues);
  const id = identityKey(input.identity);
  const headers =
    input.headers.kind === "files"
      ? [...files]
          .sort((a, b) => byCodeUnit(a.name, b.name))
          .map((f) => [f.name, f.version ?? "", f.sha256 ?? f.url ?? ""])
      : input.headers.ref;
  // A fixed-order array rather than canonical JSON: this runs once per matrix entry and dominates matrix time at
  // 100k entries; JSON.stringify keeps array order, so no key sorting is needed.
  return sha256Hex(
    JSON.stringify([
      CACHE_KEY_SCHEMA,
      id.distro,
      id.distroVersion,
      id.arch,
      id.kernelRelease,
      id.driverVersion ?? "",
      input.moduleSourceDigest,
      input.compiler.family,
      input.compiler.major,
      input.builderImage,
      headers,
      [...input.buildFlags].sort(byCodeUnit),
    ]),
  );
}
