import { compareDottedVersions } from "../core/dotted-version.js";
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
 * Ubuntu. `uname -r` is `<maj>.<min>.<sub>-<ABI>-<flavour>`: `6.8.0-45-generic`, `5.15.0-1034-aws`,
 * `6.8.0-1013-oracle-64k`, `6.8.1-1015-realtime`. The same string can ship in two series (24.04 GA and the 22.04
 * HWE kernel), built with different compilers, so the series is part of the identity, not derived from the string.
 *
 * Each kernel comes from one source package, whose arch-all `<source>-headers-<X.Y.Z>-<ABI>` the arch headers
 * package depends on. The source follows from flavour, kernel line and series: the series' own (GA) line comes from
 * `linux` (or `linux-<flavour>` for derivatives), another line from a per-line backport (`linux-hwe-6.8`,
 * `linux-aws-6.8`). The name is a prediction the header resolver confirms against the package's Depends.
 */

interface Series {
  codename: string;
  /** maj.min of the kernel the series released with. */
  gaLine: string;
  /** The GA line is a decision, not yet checked against the archive: used for naming, never to refuse input. */
  provisional?: boolean;
}

/** Series → codename and GA kernel line. 26.04 is expected to release with Linux 7.0 (the line after 6.19). */
const SERIES: Record<string, Series> = {
  "14.04": { codename: "trusty", gaLine: "3.13" },
  "16.04": { codename: "xenial", gaLine: "4.4" },
  "18.04": { codename: "bionic", gaLine: "4.15" },
  "20.04": { codename: "focal", gaLine: "5.4" },
  "20.10": { codename: "groovy", gaLine: "5.8" },
  "21.04": { codename: "hirsute", gaLine: "5.11" },
  "21.10": { codename: "impish", gaLine: "5.13" },
  "22.04": { codename: "jammy", gaLine: "5.15" },
  "22.10": { codename: "kinetic", gaLine: "5.19" },
  "23.04": { codename: "lunar", gaLine: "6.2" },
  "23.10": { codename: "mantic", gaLine: "6.5" },
  "24.04": { codename: "noble", gaLine: "6.8" },
  "24.10": { codename: "oracular", gaLine: "6.11" },
  "25.04": { codename: "plucky", gaLine: "6.14" },
  "25.10": { codename: "questing", gaLine: "6.17" },
  "26.04": { codename: "resolute", gaLine: "7.0", provisional: true },
};

const BY_CODENAME = new Map(Object.entries(SERIES).map(([v, s]) => [s.codename, v]));

const RELEASE = /^(\d+)\.(\d+)\.(\d+)-(\d+)-([a-z][a-z0-9]*(?:-[a-z0-9]+)*)$/;
const EXPECTED = "an Ubuntu release such as 6.8.0-45-generic or 5.15.0-1034-aws";
/** Flavours of the main `linux` source (and, from 22.04, `linux-lowlatency`). Others are derivative sources. */
const MAIN_FLAVOURS = new Set(["generic", "lowlatency"]);
/** Flavours (after dropping a `-64k` page-size suffix) that exist only on arm64. */
const ARM64_ONLY = /^(raspi|xilinx-zynqmp|nvidia-tegra.*)$/;
/** Backports whose source name breaks the `linux-<flavour>-<line>` rule (series:flavour:line → source). */
const SOURCE_EXCEPTIONS: Record<string, string> = {
  "18.04:azure:4.15": "linux-azure-4.15",
};

function issue(field: string, given: string, expected: string, why: string): FieldIssue {
  return { field, given, expected, message: `${field}: ${why}; expected ${expected}` };
}

function normaliseVersion(input: string): string | FieldIssue {
  const text = input.toLowerCase();
  const byName = BY_CODENAME.get(text);
  if (byName) return byName;
  const m = /^(\d{2})\.(04|10)(?:\.\d{1,2})?$/.exec(text);
  if (m) return `${m[1]}.${m[2]}`;
  return issue(
    "distroVersion",
    input,
    "an Ubuntu series such as 22.04, 24.04 or a codename (jammy, noble)",
    `${JSON.stringify(input)} is not an Ubuntu series`,
  );
}

function parse(ctx: ReleaseContext): ParsedRelease | FieldIssue[] {
  const m = RELEASE.exec(ctx.kernelRelease);
  if (!m)
    return [
      issue(
        "kernelRelease",
        ctx.kernelRelease,
        EXPECTED,
        `not an Ubuntu kernel release ${JSON.stringify(ctx.kernelRelease)}`,
      ),
    ];
  const [, major = "", minor = "", sub = "", abi = "", flavour = ""] = m;
  const line = `${major}.${minor}`;
  const base = flavour.replace(/-64k$/, "");
  const issues: FieldIssue[] = [];
  if (/(^|-)lpae$|nolpae/.test(flavour)) {
    issues.push(
      issue(
        "kernelRelease",
        ctx.kernelRelease,
        EXPECTED,
        `flavour ${flavour} is a 32-bit ARM kernel, not supported`,
      ),
    );
  } else if ((flavour !== base || ARM64_ONLY.test(base)) && ctx.arch !== "aarch64") {
    issues.push(
      issue(
        "arch",
        ctx.arch,
        "aarch64",
        `flavour ${flavour} of ${ctx.kernelRelease} exists only on aarch64, not ${ctx.arch}`,
      ),
    );
  }
  const series = SERIES[ctx.distroVersion];
  if (series && !series.provisional && compareDottedVersions(line, series.gaLine) < 0) {
    issues.push(
      issue(
        "distroVersion",
        ctx.distroVersion,
        `a series whose first kernel line is ${line} or older`,
        `Ubuntu ${ctx.distroVersion} ships no ${line} kernel (its first line is ${series.gaLine}), so ${ctx.kernelRelease} cannot belong to it`,
      ),
    );
  }
  if (issues.length) return issues;
  return {
    upstreamVersion: `${major}.${minor}.${sub}`,
    sublevelKnown: false,
    abi,
    flavour,
    distroTag: series && line !== series.gaLine ? "hwe" : "",
  };
}

/**
 * The arch-all headers package of a kernel: `<source>-headers-<X.Y.Z>-<ABI>`, or plain `linux-headers-<X.Y.Z>-<ABI>`
 * for the `linux` source (and for 16.04's HWE kernels, whose backport source still used the plain names).
 */
export function ubuntuCommonPackage(distroVersion: string, parsed: ParsedRelease): string {
  const abiName = `${parsed.upstreamVersion}-${parsed.abi}`;
  const source = sourceOf(distroVersion, parsed);
  return source === "linux" ? `linux-headers-${abiName}` : `${source}-headers-${abiName}`;
}

function sourceOf(distroVersion: string, parsed: ParsedRelease): string {
  const line = parsed.upstreamVersion.split(".").slice(0, 2).join(".");
  const base = parsed.flavour.replace(/-64k$/, "");
  const series = SERIES[distroVersion];
  const ga = !series || series.gaLine === line;
  const exception = SOURCE_EXCEPTIONS[`${distroVersion}:${base}:${line}`];
  if (exception) return exception;
  if (MAIN_FLAVOURS.has(base)) {
    // From 22.04 the lowlatency kernels have their own source; before, they were built from `linux`.
    const own = base === "lowlatency" && compareDottedVersions(distroVersion, "22.04") >= 0;
    if (ga) return own ? "linux-lowlatency" : "linux";
    if (own) return `linux-lowlatency-hwe-${line}`;
    if (distroVersion === "16.04") return "linux";
    // 18.04 kept one rolling `linux-hwe` source until its 5.4 backport; later series name the line.
    return distroVersion === "18.04" && line !== "5.4" ? "linux-hwe" : `linux-hwe-${line}`;
  }
  // OEM kernels name their line from 20.04 on, even when it is the series' own line.
  if (base === "oem" && compareDottedVersions(distroVersion, "20.04") >= 0) return `linux-oem-${line}`;
  return ga ? `linux-${base}` : `linux-${base}-${line}`;
}

function headerPackages(ctx: ReleaseContext & { parsed: ParsedRelease }): HeaderPackageSpec[] {
  return [
    { name: `linux-headers-${ctx.kernelRelease}`, role: "headers", arch: "target" },
    { name: ubuntuCommonPackage(ctx.distroVersion, ctx.parsed), role: "common", arch: "all" },
  ];
}

/** The series a kernel line is the GA kernel of (`5.15` → 22.04), from the series table. */
function gaSeries(line: string): string | undefined {
  return Object.entries(SERIES).find(([, s]) => s.gaLine === line && !s.provisional)?.[0];
}

/**
 * kernel-crawler's Ubuntu kernelrelease is uname -r; the series comes from `~NN.NN` in the version or a header URL
 * (HWE and backports), else it is the series whose GA kernel the line is.
 */
const crawlerRule: CrawlerRule = (entry) => {
  const line = /^(\d+\.\d+)/.exec(entry.kernelrelease)?.[1] ?? "";
  const fromVersion = /~(\d{2}\.\d{2})/.exec(entry.kernelversion)?.[1];
  const fromUrl = entry.headers
    ?.map((u) => /~(\d{2}\.\d{2})(?:\.\d+)?_/.exec(urlFileName(u))?.[1])
    .find(Boolean);
  const series = fromVersion ?? fromUrl ?? gaSeries(line);
  if (!series) return `cannot tell the Ubuntu series of kernel line ${line}`;
  return { distro: "ubuntu", distroVersion: series, release: entry.kernelrelease };
};

const apt: AptFacts = {
  suite: (version) => SERIES[version]?.codename,
  // Ubuntu's archives are named in targets/ (`mirrors:`); this machine's apt configuration is not one of them.
  servedByHost: false,
  headersRelease(name, _arch) {
    const m = /^linux-headers-(.+)$/.exec(name);
    return m && RELEASE.test(m[1]!) ? m[1] : undefined;
  },
};

export const ubuntuAdapter: DistroAdapter = {
  distros: ["ubuntu"],
  aliases: {},
  packageFormat: "deb",
  crawler: { ubuntu: crawlerRule },
  apt,
  help: () => ({ title: "Ubuntu", versions: "22.04, 24.04 (or jammy, noble)", release: "6.8.0-45-generic" }),
  buildTree: (_distro, ctx) => [`usr/src/linux-headers-${ctx.kernelRelease}`],
  builder: {
    dockerfile: "dockerfiles/ubuntu.Dockerfile",
    crossCompiles: true,
  },
  normaliseVersion: (_distro, input) => normaliseVersion(input),
  parseRelease: (_distro, ctx) => parse(ctx),
  headerPackages: (_distro, ctx) => headerPackages(ctx),
  // The arch-all `<source>-headers-<X.Y.Z>-<ABI>` of the kernel's source; Ubuntu ships no separate kbuild package.
  dependencyRole: (name) =>
    /^linux(-[a-z0-9.]+)*-headers-\d+\.\d+\.\d+-\d+$/.test(name) ? "common" : undefined,
};
