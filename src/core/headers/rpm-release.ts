import type { HeaderPackageSpec } from "../../distros/adapter.js";
import { ARCH_FACTS, type Arch } from "../arch.js";
import type { ResolveRequest } from "./types.js";

/**
 * RPM kernel releases are NVRAs: `uname -r` of `5.14.0-427.13.1.el9_4.x86_64` is the version-release-arch of the
 * kernel-devel package that matches it. Pure helpers shared by every RPM link.
 */

export interface RpmKernelRelease {
  /** Upstream X.Y.Z, the RPM Version. */
  version: string;
  /** RPM Release, e.g. `427.13.1.el9_4`, `300.fc40`, `201.852.amzn2`. */
  release: string;
  arch: string;
  /** The distribution tag at the end of the release: el9_4, fc40, amzn2023 … or "" when none. */
  distTag: string;
}

const NVRA = /^(\d+\.\d+(?:\.\d+)?)-([A-Za-z0-9._+]+?)\.(x86_64|aarch64|noarch)$/;
const DIST_TAG = /\.((?:el\d+(?:_\d+)?)|(?:fc\d+)|(?:amzn\d+)|(?:an\d+(?:_\d+)?))(?:\.[A-Za-z0-9_]+)?$/;

/** Splits an RPM kernel release into version, release and arch; undefined when it is not one. */
export function parseRpmKernelRelease(kernelRelease: string): RpmKernelRelease | undefined {
  const m = NVRA.exec(kernelRelease);
  if (!m) return undefined;
  const release = m[2]!;
  const tag = DIST_TAG.exec(`.${release}`);
  return { version: m[1]!, release, arch: m[3]!, distTag: tag?.[1] ?? "" };
}

/** The minor release a RHEL-family tag carries: `el9_5` → `9.5`; undefined for `el9` (Stream) and other tags. */
export function enterpriseMinor(distTag: string): string | undefined {
  const m = /^el(\d+)_(\d+)$/.exec(distTag);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/** One concrete RPM a link looks for. Version/release absent = take the highest available (compiler packages). */
export interface WantedRpm {
  name: string;
  arch: string;
  /** Arch used for `$basearch` when the repository is per-arch (noarch packages live in the target's repo). */
  repoArch: Arch;
  version?: string;
  release?: string;
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
  if (spec.role === "headers" || spec.role === "common") {
    const nvra = parseRpmKernelRelease(req.identity.kernelRelease);
    if (nvra) return { ...base, version: nvra.version, release: nvra.release };
  }
  return base;
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
