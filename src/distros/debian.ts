import type { FieldIssue } from "../core/errors.js";
import type { DistroAdapter, HeaderPackageSpec, ParsedRelease, ReleaseContext } from "./adapter.js";

/**
 * Debian. Release strings: `6.1.0-18-amd64` (ABI style, sublevel always .0), backports `5.10.0-0.bpo.15-amd64`,
 * older-line security uploads `6.1.0-0.deb11.48-amd64`, and from the 6.12 line on `6.12.117+deb12-amd64`.
 */

const CODENAMES: Record<string, string> = {
  stretch: "9",
  buster: "10",
  bullseye: "11",
  bookworm: "12",
  trixie: "13",
  forky: "14",
  duke: "15",
};

/** Codename of a Debian major version (`12` → `bookworm`), or undefined when unknown. */
export function debianCodename(version: string): string | undefined {
  return Object.entries(CODENAMES).find(([, v]) => v === version)?.[0];
}

const FLAVOUR = "((?:rt-|cloud-)?(?:amd64|arm64)(?:-16k)?)";
const ABI_STYLE = new RegExp(`^(\\d+)\\.(\\d+)\\.0-((?:0\\.(?:bpo|deb(\\d+))\\.)?(\\d+))-${FLAVOUR}$`);
const BPO_STYLE = /^0\.bpo\.(\d+)$/;
const VERSION_STYLE = new RegExp(`^(\\d+)\\.(\\d+)\\.(\\d+)\\+(deb(\\d+)|bpo)(?:\\.(\\d+))?-${FLAVOUR}$`);

function releaseIssue(ctx: ReleaseContext, why: string): FieldIssue {
  return {
    field: "kernelRelease",
    given: ctx.kernelRelease,
    expected: "a Debian release such as 6.1.0-18-amd64, 5.10.0-0.bpo.15-amd64 or 6.12.117+deb12-amd64",
    message: `kernelRelease: ${why} ${JSON.stringify(ctx.kernelRelease)}; expected a Debian release such as 6.1.0-18-amd64, 5.10.0-0.bpo.15-amd64 or 6.12.117+deb12-amd64`,
  };
}

function archOf(flavour: string): "x86_64" | "aarch64" {
  return flavour.includes("arm64") ? "aarch64" : "x86_64";
}

function parse(ctx: ReleaseContext): ParsedRelease | FieldIssue[] {
  const abi = ABI_STYLE.exec(ctx.kernelRelease);
  const ver = abi ? null : VERSION_STYLE.exec(ctx.kernelRelease);
  let parsed: ParsedRelease;
  if (abi) {
    const [, major, minor, abiText, debN, , flavour] = abi as unknown as string[];
    const bpo = BPO_STYLE.test(abiText!);
    parsed = {
      upstreamVersion: `${major}.${minor}.0`,
      sublevelKnown: false,
      abi: abiText!,
      flavour: flavour!,
      distroTag: bpo ? "bpo" : debN ? `deb${debN}` : `deb${ctx.distroVersion}`,
      ...(debN ? { impliedDistroVersion: debN } : {}),
    };
  } else if (ver) {
    const [, major, minor, patch, tag, debN, , flavour] = ver as unknown as string[];
    parsed = {
      upstreamVersion: `${major}.${minor}.${patch}`,
      sublevelKnown: true,
      abi: `${major}.${minor}.${patch}+${tag}`,
      flavour: flavour!,
      distroTag: tag === "bpo" ? "bpo" : `deb${debN}`,
      ...(debN ? { impliedDistroVersion: debN } : {}),
    };
  } else {
    return [releaseIssue(ctx, "not a Debian kernel release:")];
  }
  const issues: FieldIssue[] = [];
  if (archOf(parsed.flavour) !== ctx.arch) {
    issues.push({
      field: "arch",
      given: ctx.arch,
      expected: archOf(parsed.flavour),
      message: `arch: ${ctx.arch} does not match flavour ${parsed.flavour} of ${ctx.kernelRelease}; expected ${archOf(parsed.flavour)}`,
    });
  }
  // A `.debNN` upload of an older line is built for the suite *before* NN's successor; `+debNN` names its suite.
  if (parsed.impliedDistroVersion && parsed.impliedDistroVersion !== ctx.distroVersion) {
    issues.push({
      field: "distroVersion",
      given: ctx.distroVersion,
      expected: parsed.impliedDistroVersion,
      message: `distroVersion: ${ctx.distroVersion} does not match ${parsed.distroTag} in ${ctx.kernelRelease}; expected ${parsed.impliedDistroVersion}`,
    });
  }
  return issues.length ? issues : parsed;
}

/** Debian's kbuild package: per maj.min for ABI-style lines, per full version for the `+debNN` lines. */
function kbuildPackage(kernelRelease: string, parsed: ParsedRelease): string {
  if (parsed.sublevelKnown) return `linux-kbuild-${parsed.abi}`;
  const [major, minor] = parsed.upstreamVersion.split(".");
  void kernelRelease;
  return `linux-kbuild-${major}.${minor}`;
}

function commonPackage(parsed: ParsedRelease): string {
  const base = parsed.sublevelKnown ? parsed.abi : `${parsed.upstreamVersion.replace(/\.0$/, ".0")}-${parsed.abi}`;
  // rt flavours share a separate common package (`-common-rt`); cloud shares the plain one.
  return `linux-headers-${base}-common${parsed.flavour.startsWith("rt-") ? "-rt" : ""}`;
}

export const debianAdapter: DistroAdapter = {
  distros: ["debian"],
  packageFormat: "deb",
  normaliseVersion(_distro, input) {
    const v = CODENAMES[input.toLowerCase()] ?? input;
    if (/^\d{1,2}$/.test(v)) return v;
    return {
      field: "distroVersion",
      given: input,
      expected: "a Debian major version (11, 12, 13) or codename (bullseye, bookworm, trixie)",
      message: `distroVersion: ${JSON.stringify(input)} is not a Debian version; expected a major version (11, 12, 13) or codename (bullseye, bookworm, trixie)`,
    };
  },
  parseRelease: (_distro, ctx) => parse(ctx),
  headerPackages(_distro, ctx): HeaderPackageSpec[] {
    return [
      { name: `linux-headers-${ctx.kernelRelease}`, role: "headers", arch: "target" },
      { name: commonPackage(ctx.parsed), role: "common", arch: "all" },
      { name: kbuildPackage(ctx.kernelRelease, ctx.parsed), role: "kbuild", arch: "host" },
    ];
  },
};
