import type { FieldIssue } from "../core/errors.js";
import type { CrawlerRule, Distro, HeaderPackageSpec, ParsedRelease, ReleaseContext } from "./adapter.js";

/**
 * RPM-family kernel releases are the NVRA of the kernel package: `<X.Y.Z>-<release>.<arch>`, where the release ends
 * in the distribution tag (`.fc40`, `.el9_4`, `.amzn2023`). Kernel variants add a `+<variant>` suffix after the arch
 * (`+rt`, `+64k`, `+debug`, `+16k`, `+rt-debug`), except EL7/EL8 realtime, which carries `.rtN.M` inside the release.
 */

export interface RpmRelease {
  upstreamVersion: string;
  /** The RPM Release, e.g. `427.13.1.el9_4`. */
  release: string;
  /** The release without its distribution tag: `427.13.1`, `300`, `201.852`. */
  build: string;
  /** The distribution tag: `el9_4`, `fc40`, `amzn2`. */
  distTag: string;
  rpmArch: string;
  /** `+variant` suffix, or "" for the default kernel. */
  variant: string;
}

const NVRA =
  /^(\d+)\.(\d+)\.(\d+)-([0-9][A-Za-z0-9._]*)\.(x86_64|aarch64|i686|ppc64le|s390x|noarch)(?:\+([a-z0-9]+(?:-[a-z0-9]+)*))?$/;
const VARIANTS = new Set([
  "rt",
  "64k",
  "16k",
  "debug",
  "rt-debug",
  "64k-debug",
  "16k-debug",
  "rt-64k",
  "rt-64k-debug",
]);

export function releaseIssue(ctx: ReleaseContext, why: string, expected: string): FieldIssue {
  return {
    field: "kernelRelease",
    given: ctx.kernelRelease,
    expected,
    message: `kernelRelease: ${why} ${JSON.stringify(ctx.kernelRelease)}; expected ${expected}`,
  };
}

export function mismatch(field: string, given: string, expected: string, why: string): FieldIssue {
  return { field, given, expected, message: `${field}: ${why}; expected ${expected}` };
}

/**
 * Splits an RPM kernel release into its parts without judging it against any distribution's rules: undefined when
 * it is not an NVRA at all. The one reader of RPM kernel releases — identity parsing (below) and every header link
 * read a release through it, so they cannot disagree about its tag, version or release.
 */
export function splitRpmRelease(kernelRelease: string): RpmRelease | undefined {
  const m = NVRA.exec(kernelRelease);
  if (!m) return undefined;
  const [, major, minor, patch, release, rpmArch, variant] = m;
  const dot = release!.lastIndexOf(".");
  return {
    upstreamVersion: `${major}.${minor}.${patch}`,
    release: release!,
    build: dot > 0 ? release!.slice(0, dot) : release!,
    distTag: dot > 0 ? release!.slice(dot + 1) : "",
    rpmArch: rpmArch!,
    variant: variant ?? "",
  };
}

/**
 * Reads an RPM kernel release under one family's rules. `tag` matches the family's distribution tag (without the
 * leading dot) and must end the release. Returns issues naming what is wrong, including an arch that contradicts
 * the given one.
 */
export function parseRpmRelease(
  ctx: ReleaseContext,
  tag: RegExp,
  expected: string,
): RpmRelease | FieldIssue[] {
  const r = splitRpmRelease(ctx.kernelRelease);
  if (!r) return [releaseIssue(ctx, "not an RPM kernel release (<X.Y.Z>-<release>.<arch>):", expected)];
  const { rpmArch, variant } = r;
  if (!r.distTag || !tag.test(r.distTag)) {
    return [
      releaseIssue(
        ctx,
        `release ${JSON.stringify(r.release)} does not end in this distribution's tag:`,
        expected,
      ),
    ];
  }
  const issues: FieldIssue[] = [];
  if (rpmArch !== "x86_64" && rpmArch !== "aarch64") {
    issues.push(
      releaseIssue(ctx, `architecture suffix .${rpmArch} is not supported (x86_64, aarch64):`, expected),
    );
  } else if (rpmArch !== ctx.arch) {
    issues.push(
      mismatch(
        "arch",
        ctx.arch,
        rpmArch,
        `${ctx.arch} contradicts the .${rpmArch} suffix of ${ctx.kernelRelease}`,
      ),
    );
  }
  if (variant && !VARIANTS.has(variant)) {
    issues.push(
      releaseIssue(
        ctx,
        `unknown kernel variant +${variant} in`,
        `${expected} (variants: ${[...VARIANTS].map((v) => `+${v}`).join(", ")})`,
      ),
    );
  }
  if (variant && /(^|-)(64k|16k)(-|$)/.test(variant) && rpmArch !== "aarch64") {
    issues.push(releaseIssue(ctx, `variant +${variant} exists only on aarch64:`, expected));
  }
  if (issues.length) return issues;
  return r;
}

/** Flavour of an RPM kernel: its variant, `rt` for EL7/EL8 realtime builds, else `default`. */
export function rpmFlavour(r: RpmRelease): string {
  if (r.variant) return r.variant;
  if (/(^|\.)rt\d+(\.|$)/.test(r.build)) return "rt";
  return "default";
}

/** The devel package of a kernel: `kernel-devel`, `kernel-rt-devel`, `kernel-64k-devel` … pinned to its V-R. */
export function develPackage(r: RpmRelease, base = "kernel"): HeaderPackageSpec {
  const flavour = rpmFlavour(r);
  const name = flavour === "default" ? `${base}-devel` : `${base}-${flavour}-devel`;
  return { name, role: "headers", arch: "target", version: `${r.upstreamVersion}-${r.release}` };
}

/** The ParsedRelease every RPM family derives the same way once its own tag rules have passed. */
export function rpmParsed(
  r: RpmRelease,
  impliedDistroVersion: string,
  extra: Partial<ParsedRelease> = {},
): ParsedRelease {
  return {
    upstreamVersion: r.upstreamVersion,
    sublevelKnown: true,
    abi: r.build,
    flavour: rpmFlavour(r),
    distroTag: r.distTag,
    impliedDistroVersion,
    ...extra,
  };
}

/**
 * Parses a release whose dist tag names the distribution version in its first capture group (`fc43`, `amzn2023`)
 * and checks it against the version given.
 */
export function parseTaggedRpmRelease(
  ctx: ReleaseContext,
  tag: RegExp,
  expected: string,
  label: string,
): { release: RpmRelease; parsed: ParsedRelease } | FieldIssue[] {
  const r = parseRpmRelease(ctx, tag, expected);
  if (Array.isArray(r)) return r;
  const implied = tag.exec(r.distTag)![1]!;
  if (implied !== ctx.distroVersion) {
    return [
      mismatch(
        "distroVersion",
        ctx.distroVersion,
        implied,
        `${label} ${ctx.distroVersion} contradicts .${r.distTag} in ${ctx.kernelRelease}`,
      ),
    ];
  }
  return { release: r, parsed: rpmParsed(r, implied) };
}

/** Where kernel-devel packages put the build tree: `/usr/src/kernels/<uname -r>` (every RPM family but SUSE). */
export function kernelsBuildTree(kernelRelease: string): string[] {
  return [`usr/src/kernels/${kernelRelease}`];
}

/**
 * kernel-crawler's RPM families record `<version>-<release>.<arch>` (the NVRA, which is uname -r); the version of
 * the distribution is the first capture of `tag` in it.
 */
export function rpmCrawlerRule(distro: Distro, tag: RegExp): CrawlerRule {
  return (entry, arch) => {
    const m = tag.exec(entry.kernelrelease);
    if (!m) return `release has no ${tag.source} tag`;
    const release = entry.kernelrelease.endsWith(`.${arch}`)
      ? entry.kernelrelease
      : `${entry.kernelrelease}.${arch}`;
    return { distro, distroVersion: m[1]!, release };
  };
}
