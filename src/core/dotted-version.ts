import semver from "semver";

/**
 * Order of dotted numeric versions: kernel versions and lines (`6.1` < `6.1.5` < `6.12`), Ubuntu series
 * (`20.04` < `22.04`). semver's coercion reads the first three numbers (missing ones count as 0, leading zeros
 * are numbers), so a kernel line compares with a full kernel version; a string without a number counts as 0.0.0.
 */
export function compareDottedVersions(a: string, b: string): number {
  return semver.compare(asSemver(a), asSemver(b));
}

const ZERO = new semver.SemVer("0.0.0");

function asSemver(version: string): semver.SemVer {
  // Loose: strict semver refuses leading zeros, and would read Ubuntu's `22.04` as no version at all.
  return semver.coerce(version, { loose: true }) ?? ZERO;
}
