import { ARCH_FACTS } from "../core/arch.js";
import type { FieldIssue } from "../core/errors.js";
import {
  type AptFacts,
  type CrawlerRule,
  type DistroAdapter,
  type HeaderPackageSpec,
  type ParsedRelease,
  type ReleaseContext,
  urlFileName,
} from "./adapter.js";

/**
 * Debian. Release strings: `6.1.0-18-amd64` (ABI style, sublevel always .0), backports `5.10.0-0.bpo.15-amd64`,
 * uploads of a newer line to an older suite `6.1.0-0.deb11.48-amd64`, and from the 6.12 line on the version style
 * `6.12.117+deb12-amd64` (rebuilds `6.12.115+deb13.1-amd64`, early backports `6.12.12+bpo-amd64`). Flavours: amd64, arm64, cloud-*, rt-*, arm64-16k.
 * One ABI string is reused across uploads, so the package version is resolved from repository metadata.
 */

const CODENAMES: Record<string, string> = {
  jessie: "8",
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

/** The stable release each kernel line shipped in; a backport of the line is built for the release before. */
const LINE_RELEASE: Record<string, number> = {
  "3.16": 8,
  "4.9": 9,
  "4.19": 10,
  "5.10": 11,
  "6.1": 12,
  "6.12": 13,
};

const FLAVOUR = "((?:rt-|cloud-)?amd64|(?:rt-|cloud-)?arm64|arm64-16k)";
const ABI_STYLE = new RegExp(`^(\\d+)\\.(\\d+)\\.0-((?:0\\.(?:bpo|deb(\\d+))\\.)?\\d+)-${FLAVOUR}$`);
/** `+debNN` with an optional rebuild counter (`6.12.115+deb13.1-amd64`), or `+bpo` (early 6.12 backports). */
const VERSION_STYLE = new RegExp(`^(\\d+)\\.(\\d+)\\.(\\d+)\\+(deb(\\d+)(?:\\.\\d+)?|bpo)-${FLAVOUR}$`);
const EXPECTED = "a Debian release such as 6.1.0-18-amd64, 5.10.0-0.bpo.15-amd64 or 6.12.117+deb12-amd64";

function issue(field: string, given: string, expected: string, why: string): FieldIssue {
  return { field, given, expected, message: `${field}: ${why}; expected ${expected}` };
}

function backportTarget(major: string, minor: string): string | undefined {
  const release = LINE_RELEASE[`${major}.${minor}`];
  return release ? String(release - 1) : undefined;
}

function read(ctx: ReleaseContext): ParsedRelease | undefined {
  const abi = ABI_STYLE.exec(ctx.kernelRelease);
  if (abi) {
    const [, major = "", minor = "", abiText = "", debN, flavour = ""] = abi;
    const bpo = abiText.startsWith("0.bpo.");
    const implied = bpo ? backportTarget(major, minor) : debN;
    return {
      upstreamVersion: `${major}.${minor}.0`,
      sublevelKnown: false,
      abi: abiText,
      flavour,
      distroTag: bpo ? "bpo" : `deb${debN ?? ctx.distroVersion}`,
      ...(implied ? { impliedDistroVersion: implied } : {}),
    };
  }
  const ver = VERSION_STYLE.exec(ctx.kernelRelease);
  if (!ver) return undefined;
  const [, major = "", minor = "", patch = "", tag = "", debN, flavour = ""] = ver;
  const implied = tag === "bpo" ? backportTarget(major, minor) : debN;
  return {
    upstreamVersion: `${major}.${minor}.${patch}`,
    sublevelKnown: true,
    abi: `${major}.${minor}.${patch}+${tag}`,
    flavour,
    distroTag: tag === "bpo" ? "bpo" : `deb${debN}`,
    ...(implied ? { impliedDistroVersion: implied } : {}),
  };
}

function parse(ctx: ReleaseContext): ParsedRelease | FieldIssue[] {
  const parsed = read(ctx);
  if (!parsed)
    return [
      issue(
        "kernelRelease",
        ctx.kernelRelease,
        EXPECTED,
        `not a Debian kernel release ${JSON.stringify(ctx.kernelRelease)}`,
      ),
    ];
  const issues: FieldIssue[] = [];
  const flavourArch = parsed.flavour.includes("arm64") ? "aarch64" : "x86_64";
  if (flavourArch !== ctx.arch) {
    issues.push(
      issue(
        "arch",
        ctx.arch,
        flavourArch,
        `${ctx.arch} contradicts flavour ${parsed.flavour} of ${ctx.kernelRelease}`,
      ),
    );
  }
  // `.debNN.`/`+debNN` name the suite the upload is for; a backport is for the release before its line's own.
  if (parsed.impliedDistroVersion && parsed.impliedDistroVersion !== ctx.distroVersion) {
    issues.push(
      issue(
        "distroVersion",
        ctx.distroVersion,
        parsed.impliedDistroVersion,
        `Debian ${ctx.distroVersion} contradicts ${parsed.distroTag} in ${ctx.kernelRelease}`,
      ),
    );
  }
  return issues.length ? issues : parsed;
}

/** The ABI part shared by a line's packages: `6.1.0-18`, `5.10.0-0.bpo.15`, `6.12.117+deb12`. */
function abiName(parsed: ParsedRelease): string {
  return parsed.sublevelKnown ? parsed.abi : `${parsed.upstreamVersion}-${parsed.abi}`;
}

/** Host tools: one `linux-kbuild-<maj.min>` per ABI-style line, one per upload (`linux-kbuild-6.12.117+deb12`) after. */
function kbuildPackage(parsed: ParsedRelease): string {
  if (parsed.sublevelKnown) return `linux-kbuild-${parsed.abi}`;
  return `linux-kbuild-${parsed.upstreamVersion.split(".").slice(0, 2).join(".")}`;
}

/** rt flavours share their own arch-all package (`-common-rt`); cloud flavours share the plain one. */
function commonPackage(parsed: ParsedRelease): string {
  return `linux-headers-${abiName(parsed)}-common${parsed.flavour.startsWith("rt-") ? "-rt" : ""}`;
}

function normaliseVersion(input: string): string | FieldIssue {
  const text = input.toLowerCase();
  const v = CODENAMES[text] ?? /^(\d{1,2})(?:\.\d{1,2})?$/.exec(text)?.[1];
  if (v !== undefined && Number(v) > 0) return String(Number(v));
  return issue(
    "distroVersion",
    input,
    "a Debian major version (11, 12, 13) or codename (bullseye, bookworm, trixie)",
    `${JSON.stringify(input)} is not a Debian version`,
  );
}

const lineOf = (release: string): string => /^(\d+\.\d+)/.exec(release)?.[1] ?? "";

/**
 * kernel-crawler records `<package version>-<arch>` as the Debian kernelrelease; the arch-specific headers URL
 * (`linux-headers-<uname -r>_<version>_<arch>.deb`) holds uname -r, and `debNN` (else the kernel line) the release.
 */
const crawlerRule: CrawlerRule = (entry) => {
  const names = (entry.headers ?? []).map((u) =>
    /^linux-headers-(.+)_[^_]+_(amd64|arm64)\.deb$/.exec(urlFileName(u)),
  );
  const arch = names.find((m) => m && !m[1]!.endsWith("-common") && !m[1]!.endsWith("-common-rt"));
  if (!arch) return "no arch-specific linux-headers URL to read the uname -r release from";
  const release = arch[1]!;
  const tagged = /deb(\d+)/.exec(entry.kernelrelease)?.[1] ?? /\+deb(\d+)-/.exec(release)?.[1];
  const shipped = LINE_RELEASE[lineOf(release)];
  const version = tagged ?? (shipped === undefined ? undefined : String(shipped));
  if (!version) return `cannot tell the Debian release of kernel line ${lineOf(release)}`;
  return { distro: "debian", distroVersion: version, release };
};

const apt: AptFacts = {
  suite: debianCodename,
  servedByHost: true,
  headersRelease(name, arch) {
    // X.Y.Z releases only: `linux-headers-6.12-amd64` and friends are metapackages that track a line.
    const m = /^linux-headers-(\d+\.\d+\.\d+[A-Za-z0-9.+~-]*)$/.exec(name);
    return m?.[1]?.endsWith(`-${ARCH_FACTS[arch].deb}`) ? m[1] : undefined;
  },
  kernelImagePackages: (release) => [`linux-image-${release}-unsigned`, `linux-image-${release}`],
};

export const debianAdapter: DistroAdapter = {
  distros: ["debian"],
  aliases: {},
  packageFormat: "deb",
  crawler: { debian: crawlerRule },
  apt,
  help: () => ({ title: "Debian", versions: "11, 12, 13 (or bookworm)", release: "6.1.0-18-amd64" }),
  buildTree: (_distro, ctx) => [`usr/src/linux-headers-${ctx.kernelRelease}`],
  builder: {
    dockerfile: "dockerfiles/debian.Dockerfile",
    crossCompiles: true,
    debootstrapSuite(baseImage) {
      const m = /^(?:(?:docker\.io\/)?library\/)?debian:([a-z]+)$/.exec(baseImage);
      return m && CODENAMES[m[1]!] ? m[1] : undefined;
    },
  },
  normaliseVersion: (_distro, input) => normaliseVersion(input),
  parseRelease: (_distro, ctx) => parse(ctx),
  headerPackages(_distro, ctx): HeaderPackageSpec[] {
    return [
      { name: `linux-headers-${ctx.kernelRelease}`, role: "headers", arch: "target" },
      { name: commonPackage(ctx.parsed), role: "common", arch: "all" },
      { name: kbuildPackage(ctx.parsed), role: "kbuild", arch: "host" },
    ];
  },
  // `linux-headers-<abi>-common[-rt]` and `linux-kbuild-…`; which common an rt flavour takes varies by upload
  // (7.x backports share the plain one), so the names come from Depends, never from the rules above.
  dependencyRole: (name) =>
    name.startsWith("linux-kbuild-") ? "kbuild" : name.startsWith("linux-headers-") ? "common" : undefined,
};
