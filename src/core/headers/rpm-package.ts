import type { HeaderPackageSpec } from "../../distros/adapter.js";
import { splitRpmRelease } from "../../distros/rpm-release.js";
import { ARCH_FACTS, type Arch } from "../arch.js";
import type { ResolveRequest } from "./types.js";

/**
 * Which RPM file a link looks for, and how RPM orders versions. Kernel releases are read by the one RPM release
 * parser in distros/ (`uname -r` of `5.14.0-427.13.1.el9_4.x86_64` is the V-R-A of its kernel-devel package).
 */

/** One concrete RPM a link looks for. Version/release absent = take the highest available (compiler packages). */
export interface WantedRpm {
  name: string;
  arch: string;
  /** Arch used for `$basearch` when the repository is per-arch (noarch packages live in the target's repo). */
  repoArch: Arch;
  version?: string;
  release?: string;
  /** The release as far as the kernel pins it (SUSE): the repository's release equals it or continues `.<n>`. */
  releasePrefix?: string;
}

/** Which RPM a header spec asks for in this request. */
export function wantedRpm(req: ResolveRequest, spec: HeaderPackageSpec): WantedRpm {
  const repoArch = spec.arch === "host" ? req.hostArch : req.identity.arch;
  const arch = spec.arch === "all" ? "noarch" : ARCH_FACTS[repoArch].rpm;
  const base = { name: spec.name, arch, repoArch };
  if (spec.version) {
    const dash = spec.version.lastIndexOf("-");
    if (dash > 0)
      return { ...base, version: spec.version.slice(0, dash), release: spec.version.slice(dash + 1) };
    return { ...base, version: spec.version };
  }
  if (spec.versionPrefix) {
    const dash = spec.versionPrefix.lastIndexOf("-");
    if (dash > 0)
      return {
        ...base,
        version: spec.versionPrefix.slice(0, dash),
        releasePrefix: spec.versionPrefix.slice(dash + 1),
      };
  }
  if (spec.role === "headers" || spec.role === "common") {
    const nvra = splitRpmRelease(req.identity.kernelRelease);
    if (nvra) return { ...base, version: nvra.upstreamVersion, release: nvra.release };
  }
  return base;
}

/** Whether a repository's release is the wanted one: equal, or (SUSE) the pinned prefix plus rebuild counters. */
export function releaseMatches(want: WantedRpm, release: string): boolean {
  if (want.release !== undefined && release !== want.release) return false;
  const prefix = want.releasePrefix;
  return (
    prefix === undefined ||
    release === prefix ||
    (/^\.\d+(\.\d+)*$/.test(release.slice(prefix.length)) && release.startsWith(prefix))
  );
}

/** `kernel-devel-5.14.0-427.el9.x86_64.rpm`, or undefined when the version is not pinned. */
export function rpmFileName(want: WantedRpm): string | undefined {
  if (!want.version || !want.release) return undefined;
  return `${want.name}-${want.version}-${want.release}.${want.arch}.rpm`;
}

/** rpmvercmp: compares version or release strings segment by segment the way rpm does (tilde sorts first). */
export function rpmVerCmp(a: string, b: string): number {
  if (a === b) return 0;
  const seg = /~|\^|[0-9]+|[A-Za-z]+/g;
  const sa = a.match(seg) ?? [];
  const sb = b.match(seg) ?? [];
  const n = Math.max(sa.length, sb.length);
  for (let i = 0; i < n; i++) {
    const x = sa[i];
    const y = sb[i];
    if (x === "~" || y === "~") {
      if (x !== y) return x === "~" ? -1 : 1;
      continue;
    }
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d/.test(x);
    const yn = /^\d/.test(y);
    if (xn !== yn) return xn ? 1 : -1;
    if (xn) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d > 0n ? 1 : -1;
    } else if (x !== y) return x > y ? 1 : -1;
  }
  return 0;
}

/** Compares epoch:version-release triples. */
export function compareEvr(
  a: { epoch?: string; version: string; release: string },
  b: { epoch?: string; version: string; release: string },
): number {
  const e = Number(a.epoch ?? 0) - Number(b.epoch ?? 0);
  if (e !== 0) return e > 0 ? 1 : -1;
  return rpmVerCmp(a.version, b.version) || rpmVerCmp(a.release, b.release);
}
