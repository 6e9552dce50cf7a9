import type { FieldIssue } from "../core/errors.js";
import type { DistroAdapter, HeaderPackageSpec, ParsedRelease, ReleaseContext } from "./adapter.js";
import {
  checkEnterpriseVersion,
  enterprisePointRelease,
  normaliseEnterpriseVersion,
} from "./enterprise-linux.js";
import {
  develPackage,
  kernelsBuildTree,
  parseRpmRelease,
  type RpmRelease,
  rpmCrawlerRule,
  rpmParsed,
  splitRpmRelease,
} from "./rpm-release.js";

/**
 * Oracle Linux 7, 8 and 9, with two kernels:
 * - RHCK, Red Hat's kernel rebuilt: `4.18.0-553.el8_10.x86_64`, often with Oracle's own `.0.1` rebuild suffix
 *   (`5.14.0-570.51.1.0.1.el9_6.x86_64`); devel package `kernel-devel`.
 * - UEK, Oracle's Unbreakable Enterprise Kernel: `<ver>-<build>.el<N>uek.<arch>` (R5 `4.14.35-2047.510.5.5.el7uek`,
 *   R6 `5.4.17-2136.307.3.1.el8uek`, R7 `5.15.0-105.125.6.2.el9uek`, UEK 8 `6.12.0-100.28.2.2.el9uek`); devel
 *   package `kernel-uek-devel` (aarch64 64k pages: `kernel-uek64k-devel`). aarch64 runs UEK only.
 * Both unpack to /usr/src/kernels/<uname -r>. The identity records the major version, as for the other EL rebuilds.
 */

const TAG = /^el(\d+)(?:_(\d+))?(uek)?$/;
const EXPECTED =
  "an Oracle Linux release such as 5.15.0-105.125.6.2.el9uek.x86_64 (UEK) or 4.18.0-553.el8_10.x86_64 (RHCK)";

interface OracleRelease {
  release: RpmRelease;
  major: string;
  minor?: string;
  uek: boolean;
}

function read(ctx: ReleaseContext): OracleRelease | FieldIssue[] {
  const r = parseRpmRelease(ctx, TAG, EXPECTED);
  if (Array.isArray(r)) return r;
  const [, major, minor, uek] = TAG.exec(r.distTag)!;
  return { release: r, major: major!, ...(minor !== undefined ? { minor } : {}), uek: uek !== undefined };
}

function parse(ctx: ReleaseContext): ParsedRelease | FieldIssue[] {
  const o = read(ctx);
  if (Array.isArray(o)) return o;
  const issues = checkEnterpriseVersion("oraclelinux", ctx, o.release, o.major, o.minor);
  if (issues.length) return issues;
  const parsed = rpmParsed(o.release, o.major, { canonicalDistroVersion: o.major });
  // UEK's flavour is the kernel itself (`uek`, `uek-64k`), so targets/ can choose RHCK, UEK or both.
  return o.uek ? { ...parsed, flavour: o.release.variant ? `uek-${o.release.variant}` : "uek" } : parsed;
}

/** UEK's 64k-page kernel is its own package family, `kernel-uek64k-*`, not a `-64k-` variant of `kernel-uek`. */
function headerPackages(ctx: ReleaseContext): HeaderPackageSpec[] {
  const o = read(ctx);
  if (Array.isArray(o)) return [];
  if (!o.uek) return [develPackage(o.release)];
  if (o.release.variant === "64k") return [develPackage({ ...o.release, variant: "" }, "kernel-uek64k")];
  return [develPackage(o.release, "kernel-uek")];
}

export const oracleLinuxAdapter: DistroAdapter = {
  distros: ["oraclelinux"],
  aliases: { ol: "oraclelinux", oracle: "oraclelinux", "oracle-linux": "oraclelinux" },
  packageFormat: "rpm",
  builder: {
    dockerfile: "dockerfiles/oraclelinux.Dockerfile",
    crossCompiles: false,
  },
  // kernel-crawler's key for Oracle Linux is `ol` (the os-release ID); its releases are NVRAs of RHCK and UEK.
  crawler: { ol: rpmCrawlerRule("oraclelinux", /\.el(\d+)/) },
  help: () => ({
    title: "Oracle Linux",
    versions: "8, 9 (or 7, ol9, 9.4)",
    release: "5.15.0-105.125.6.2.el9uek.x86_64",
  }),
  normaliseVersion: normaliseEnterpriseVersion,
  parseRelease: (_distro, ctx) => parse(ctx),
  headerPackages: (_distro, ctx) => headerPackages(ctx),
  buildTree: (_distro, ctx) => kernelsBuildTree(ctx.kernelRelease),
  // RHCK follows Red Hat's point releases; UEK lives outside them (its repositories are per UEK release).
  pointRelease(_distro, kernelRelease) {
    const r = splitRpmRelease(kernelRelease);
    const m = r && TAG.exec(r.distTag);
    return r && m?.[1] && !m[3] ? enterprisePointRelease(m[1], r.distTag, r) : undefined;
  },
};
