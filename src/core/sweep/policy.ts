import type { KernelIdentity } from "../identity.js";
import { type TargetsPolicy, type VersionTarget, findTarget } from "../targets.js";

/**
 * Applies the targets/ policy to a discovered kernel: distribution version and arch must be listed; flavours,
 * minimum kernel and exclusions narrow the set; pins are kept even when minKernel would drop them.
 */
export type Admission = { admitted: true; target: VersionTarget } | { admitted: false; reason: string };

function versionTuple(v: string): number[] {
  return v.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
}

/** Numeric X.Y.Z comparison; missing parts count as 0. */
export function compareKernelVersions(a: string, b: string): number {
  const x = versionTuple(a);
  const y = versionTuple(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** `*` matches any run of characters; everything else is literal. */
export function matchesPattern(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(value);
}

export function admitKernel(identity: KernelIdentity, policy: TargetsPolicy): Admission {
  const target = findTarget(policy, identity.distro, identity.distroVersion);
  const where = `${identity.distro} ${identity.distroVersion}`;
  if (!target) return { admitted: false, reason: `${where} is not in targets/` };
  if (!target.arches.includes(identity.arch)) return { admitted: false, reason: `${identity.arch} is not a target arch of ${where}` };
  const release = identity.kernelRelease;
  if (target.exclude.some((p) => matchesPattern(p, release))) return { admitted: false, reason: `excluded by targets/ (${where})` };
  if (target.pins.some((p) => matchesPattern(p, release))) return { admitted: true, target };
  if (target.flavours && !target.flavours.includes(identity.flavour)) {
    return { admitted: false, reason: `flavour ${identity.flavour} is not a target flavour of ${where}` };
  }
  if (target.minKernel && compareKernelVersions(identity.upstreamVersion, target.minKernel) < 0) {
    return { admitted: false, reason: `kernel ${identity.upstreamVersion} is older than minKernel ${target.minKernel} of ${where}` };
  }
  return { admitted: true, target };
}

/** The compiler major a kernel line needs under a target: a listed line's override, else the image default. */
export function compilerFor(target: VersionTarget, upstreamVersion: string): { family: "gcc" | "clang"; major: number } {
  const line = /^(\d+\.\d+)/.exec(upstreamVersion)?.[1];
  const override = target.compiler.lines.find((l) => l.kernel === line);
  return { family: target.compiler.family, major: override?.major ?? target.compiler.defaultMajor };
}
