import type { FieldIssue } from "../core/errors.js";
import type { Distro, DistroAdapter, DistroHelp, ParsedRelease, ReleaseContext } from "./adapter.js";
import { EL_GA_BUILDS } from "./data/el-ga-builds.js";
import {
  develPackage,
  kernelsBuildTree,
  mismatch,
  parseRpmRelease,
  type RpmRelease,
  rpmCrawlerRule,
  rpmParsed,
  splitRpmRelease,
} from "./rpm-release.js";

/**
 * CentOS (Linux 7/8 and Stream 8/9/10), AlmaLinux and Rocky Linux. `uname -r` is the kernel NVRA:
 * Stream `5.14.0-427.el9.x86_64`; rebuilds of RHEL minors `5.14.0-427.13.1.el9_4.x86_64`; EL9+ variants
 * `…+rt`, `…+64k`, `…+debug`; EL7/EL8 realtime `4.18.0-553.rt7.342.el8_10.x86_64`.
 *
 * The identity records the major version only: the minor a kernel belongs to is in its own `el<N>_<M>` tag, so
 * `9` and `9.4` would otherwise name one build twice. A minor given by the user is checked against the tag.
 */

const TAG = /^el(\d+)(?:_(\d+))?$/;
const VERSION = /^(\d{1,2})(?:\.(\d{1,2})(?:\.\d+)?)?$/;

const HELP: Partial<Record<Distro, DistroHelp>> = {
  centos: { title: "CentOS", versions: "7, 8, 9, 10 (stream9)", release: "5.14.0-427.el9.x86_64" },
  almalinux: { title: "AlmaLinux", versions: "8, 9, 10 (or 9.5)", release: "5.14.0-503.11.1.el9_5.x86_64" },
  rocky: { title: "Rocky Linux", versions: "8, 9, 10 (or 9.4)", release: "5.14.0-427.13.1.el9_4.x86_64" },
};

function help(distro: Distro): DistroHelp {
  return HELP[distro] ?? { title: distro, versions: "8, 9, 10", release: "5.14.0-427.el9.x86_64" };
}

/** The point release an enterprise Linux tag names: `el9_5` → `9.5`; undefined for `el9` (Stream) and other tags. */
export function enterpriseMinor(distTag: string): string | undefined {
  const m = TAG.exec(distTag);
  return m?.[2] === undefined ? undefined : `${m[1]}.${m[2]}`;
}

/**
 * The point release of an enterprise Linux kernel: its tag's minor (`el9_5` → 9.5), else, for a kernel of the
 * major's own line, the first point release whose GA kernel build is at least the kernel's
 * (`4.18.0-425.3.1.el8` → 8.7), from the data table.
 */
export function enterprisePointRelease(major: string, distTag: string, r: RpmRelease): string | undefined {
  const tagged = enterpriseMinor(distTag);
  if (tagged) return tagged;
  const line = EL_GA_BUILDS[major];
  // Only the major's own kernel line follows its point releases (a SIG's 6.6.60-1.el9 does not).
  if (line?.kernel !== r.upstreamVersion) return undefined;
  const build = Number(/^\d+/.exec(r.build)?.[0]);
  return line.points.find(([ga]) => ga >= build)?.[1];
}

/** `9`, `9.4`, `stream9`, `9-stream` → `9` / `9.4`; anything else names the distribution in its error. */
export function normaliseEnterpriseVersion(distro: Distro, input: string): string | FieldIssue {
  const text = input
    .toLowerCase()
    .replace(/^(?:centos-?|ol-?)?stream-?(\d+)$/, "$1")
    .replace(/^(?:ol|el)(\d+)$/, "$1")
    .replace(/^(\d+)-stream$/, "$1");
  const m = VERSION.exec(text);
  if (m && Number(m[1]) >= 5)
    return m[2] !== undefined ? `${Number(m[1])}.${Number(m[2])}` : String(Number(m[1]));
  return {
    field: "distroVersion",
    given: input,
    expected: `a ${distro} major version such as 8, 9, 10 (a minor such as 9.4 is accepted)`,
    message: `distroVersion: ${JSON.stringify(input)} is not a ${distro} version; expected a major version such as 8, 9, 10 (or 9.4)`,
  };
}

/**
 * Checks a kernel's `el<N>[_<M>]` against the version given (major, and minor when both name one) and derives
 * what the identity records: the major only.
 */
export function checkEnterpriseVersion(
  distro: Distro,
  ctx: ReleaseContext,
  r: RpmRelease,
  tagMajor: string,
  tagMinor: string | undefined,
): FieldIssue[] {
  const [givenMajor, givenMinor] = ctx.distroVersion.split(".");
  if (tagMajor !== givenMajor)
    return [
      mismatch(
        "distroVersion",
        ctx.distroVersion,
        tagMajor,
        `${distro} ${ctx.distroVersion} contradicts .${r.distTag} in ${ctx.kernelRelease}`,
      ),
    ];
  if (tagMinor !== undefined && givenMinor !== undefined && tagMinor !== givenMinor)
    return [
      mismatch(
        "distroVersion",
        ctx.distroVersion,
        `${tagMajor}.${tagMinor}`,
        `${distro} ${ctx.distroVersion} contradicts .${r.distTag} (minor ${tagMinor}) in ${ctx.kernelRelease}`,
      ),
    ];
  return [];
}

function expectedRelease(distro: Distro): string {
  return `an enterprise Linux release such as ${help(distro).release}`;
}

function parse(distro: Distro, ctx: ReleaseContext): ParsedRelease | FieldIssue[] {
  const r = parseRpmRelease(ctx, TAG, expectedRelease(distro));
  if (Array.isArray(r)) return r;
  const [, tagMajor, tagMinor] = TAG.exec(r.distTag)!;
  const issues = checkEnterpriseVersion(distro, ctx, r, tagMajor!, tagMinor);
  if (issues.length) return issues;
  return rpmParsed(r, tagMajor!, { canonicalDistroVersion: tagMajor! });
}

export const enterpriseLinuxAdapter: DistroAdapter = {
  distros: ["centos", "almalinux", "rocky"],
  aliases: {
    "centos-stream": "centos",
    centosstream: "centos",
    alma: "almalinux",
    rockylinux: "rocky",
  },
  packageFormat: "rpm",
  builder: {
    dockerfile: "dockerfiles/el.Dockerfile",
    crossCompiles: false,
  },
  crawler: {
    centos: rpmCrawlerRule("centos", /\.el(\d+)/),
    almalinux: rpmCrawlerRule("almalinux", /\.el(\d+)/),
    rocky: rpmCrawlerRule("rocky", /\.el(\d+)/),
  },
  help,
  normaliseVersion: normaliseEnterpriseVersion,
  parseRelease: parse,
  headerPackages(distro, ctx) {
    const r = parseRpmRelease(ctx, TAG, expectedRelease(distro));
    return Array.isArray(r) ? [] : [develPackage(r)];
  },
  buildTree: (_distro, ctx) => kernelsBuildTree(ctx.kernelRelease),
  pointRelease(_distro, kernelRelease) {
    const r = splitRpmRelease(kernelRelease);
    const major = r && TAG.exec(r.distTag)?.[1];
    return r && major ? enterprisePointRelease(major, r.distTag, r) : undefined;
  },
};
