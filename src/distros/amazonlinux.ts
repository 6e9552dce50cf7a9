import { compareDottedVersions } from "../core/dotted-version.js";
import type { FieldIssue } from "../core/errors.js";
import type { DistroAdapter, HeaderPackageSpec, ParsedRelease, ReleaseContext } from "./adapter.js";
import {
  develPackage,
  kernelsBuildTree,
  parseRpmRelease,
  parseTaggedRpmRelease,
  type RpmRelease,
  rpmCrawlerRule,
} from "./rpm-release.js";

/**
 * Amazon Linux 1, 2, 2022 (preview) and 2023. `uname -r` is the kernel NVRA: `4.14.355-275.582.amzn2.x86_64`,
 * `5.10.210-201.852.amzn2.x86_64`, `6.1.79-99.167.amzn2023.x86_64`, `6.12.58-82.121.amzn2023.x86_64`.
 * AL2 carries several kernel lines (4.14 in core, 5.4/5.10/5.15 in extras); AL2023 names the devel package after
 * the line from 6.12 on (`kernel6.12-devel`).
 */

const TAG = /^amzn(1|2|2022|2023)$/;
const EXPECTED =
  "an Amazon Linux release such as 5.10.210-201.852.amzn2.x86_64 or 6.1.79-99.167.amzn2023.x86_64";

/** AL2 kernel lines whose kernels were built with a compiler other than the image's default gcc. */
const AL2_LINE_COMPILERS: Record<string, string> = { "5.10": "gcc10" };

function normaliseVersion(input: string): string | FieldIssue {
  const text = input.toLowerCase().replace(/^(?:al|amzn|amazonlinux)-?/, "");
  if (/^2(?:\.0)?$/.test(text)) return "2";
  if (/^2023(?:\.\d+\.\d{8})?$/.test(text) || text === "2023.0") return "2023";
  if (/^2022(?:\.\d+\.\d{8})?$/.test(text)) return "2022";
  if (/^1$|^201[1-8]\.(?:03|09)$/.test(text)) return "1";
  return {
    field: "distroVersion",
    given: input,
    expected: "an Amazon Linux version: 2 or 2023 (also 1, 2022, al2, al2023, 2023.9.20251117)",
    message: `distroVersion: ${JSON.stringify(input)} is not an Amazon Linux version; expected 2 or 2023 (also 1, 2022, al2, al2023, 2023.9.20251117)`,
  };
}

function line(r: RpmRelease): string {
  return r.upstreamVersion.split(".").slice(0, 2).join(".");
}

function parse(ctx: ReleaseContext): ParsedRelease | FieldIssue[] {
  const r = parseTaggedRpmRelease(ctx, TAG, EXPECTED, "Amazon Linux");
  return Array.isArray(r) ? r : r.parsed;
}

/** `kernel6.12` from the 6.12 line on AL2023 (and later lines), plain `kernel` before and on other versions. */
function develBase(distroVersion: string, r: RpmRelease): string {
  return distroVersion === "2023" && compareDottedVersions(r.upstreamVersion, "6.12") >= 0
    ? `kernel${line(r)}`
    : "kernel";
}

function headerPackages(ctx: ReleaseContext): HeaderPackageSpec[] {
  const r = parseRpmRelease(ctx, TAG, EXPECTED);
  if (Array.isArray(r)) return [];
  const specs = [develPackage(r, develBase(ctx.distroVersion, r))];
  const compiler = ctx.distroVersion === "2" ? AL2_LINE_COMPILERS[line(r)] : undefined;
  if (compiler) specs.push({ name: compiler, role: "compiler", arch: "target" });
  return specs;
}

export const amazonLinuxAdapter: DistroAdapter = {
  distros: ["amazonlinux"],
  aliases: { amzn: "amazonlinux", al: "amazonlinux" },
  packageFormat: "rpm",
  builder: {
    dockerfile: "dockerfiles/amazonlinux.Dockerfile",
    crossCompiles: false,
  },
  crawler: {
    amazonlinux2: rpmCrawlerRule("amazonlinux", /\.amzn(2)(?!\d)/),
    amazonlinux2023: rpmCrawlerRule("amazonlinux", /\.amzn(2023)/),
  },
  help: () => ({
    title: "Amazon Linux",
    versions: "2, 2023 (or al2023)",
    release: "6.1.79-99.167.amzn2023.x86_64",
  }),
  buildTree: (_distro, ctx) => kernelsBuildTree(ctx.kernelRelease),
  normaliseVersion: (_distro, input) => normaliseVersion(input),
  parseRelease: (_distro, ctx) => parse(ctx),
  headerPackages: (_distro, ctx) => headerPackages(ctx),
};
