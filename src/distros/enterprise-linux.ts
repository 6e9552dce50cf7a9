import type { FieldIssue } from "../core/errors.js";
import type { Distro, DistroAdapter, ParsedRelease, ReleaseContext } from "./adapter.js";
import { develPackage, mismatch, parseRpmRelease, rpmParsed } from "./rpm-release.js";

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

const EXAMPLE: Record<string, string> = {
  centos: "5.14.0-427.el9.x86_64",
  almalinux: "5.14.0-503.11.1.el9_5.x86_64",
  rocky: "5.14.0-427.13.1.el9_4.x86_64",
};

/** The point release an enterprise Linux tag names: `el9_5` → `9.5`; undefined for `el9` (Stream) and other tags. */
export function enterpriseMinor(distTag: string): string | undefined {
  const m = TAG.exec(distTag);
  return m?.[2] === undefined ? undefined : `${m[1]}.${m[2]}`;
}

function expectedRelease(distro: Distro): string {
  return `an enterprise Linux release such as ${EXAMPLE[distro] ?? EXAMPLE.rocky}`;
}

function normaliseVersion(distro: Distro, input: string): string | FieldIssue {
  const text = input
    .toLowerCase()
    .replace(/^(?:centos-?)?stream-?(\d+)$/, "$1")
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

function parse(distro: Distro, ctx: ReleaseContext): ParsedRelease | FieldIssue[] {
  const r = parseRpmRelease(ctx, TAG, expectedRelease(distro));
  if (Array.isArray(r)) return r;
  const [, tagMajor, tagMinor] = TAG.exec(r.distTag)!;
  const [givenMajor, givenMinor] = ctx.distroVersion.split(".");
  if (tagMajor !== givenMajor) {
    return [
      mismatch(
        "distroVersion",
        ctx.distroVersion,
        tagMajor!,
        `${distro} ${ctx.distroVersion} contradicts .${r.distTag} in ${ctx.kernelRelease}`,
      ),
    ];
  }
  if (tagMinor !== undefined && givenMinor !== undefined && tagMinor !== givenMinor) {
    return [
      mismatch(
        "distroVersion",
        ctx.distroVersion,
        `${tagMajor}.${tagMinor}`,
        `${distro} ${ctx.distroVersion} contradicts .${r.distTag} (minor ${tagMinor}) in ${ctx.kernelRelease}`,
      ),
    ];
  }
  return rpmParsed(r, tagMajor!, { canonicalDistroVersion: tagMajor! });
}

export const enterpriseLinuxAdapter: DistroAdapter = {
  distros: ["centos", "almalinux", "rocky"],
  packageFormat: "rpm",
  builder: {
    dockerfile: "dockerfiles/el.Dockerfile",
    crossCompiles: false,
  },
  normaliseVersion,
  parseRelease: parse,
  headerPackages(distro, ctx) {
    const r = parseRpmRelease(ctx, TAG, expectedRelease(distro));
    return Array.isArray(r) ? [] : [develPackage(r)];
  },
};
