import { compareDottedVersions } from "./dotted-version.js";
import type { KernelIdentity } from "./identity.js";
import { findTarget, type TargetsPolicy, type VersionTarget } from "./targets.js";

/**
 * Whether the targets/ policy covers an identity. Parsing never depends on this: an identity can be well-formed
 * and still unsupported, and the verdict says why.
 *
 * Order of the rules: distribution version listed (and, when end-of-life versions are left out, not marked `eol`)
 * → arch listed → `exclude` patterns drop a kernel → `pins` keep a kernel whatever its flavour or age → `flavours`
 * (when set) must list the flavour → `minKernel` floors the upstream version. Patterns match the whole kernel
 * release; `*` matches any run of characters.
 */

export interface SupportOptions {
  /** Leave out versions targets/ marks end-of-life (`eol`). Default: they are built like the others. */
  excludeEol?: boolean;
}

export interface SupportResult {
  supported: boolean;
  reason: string;
  target?: VersionTarget;
}

/** `*` matches any run of characters; everything else is literal. */
export function matchesPattern(pattern: string, value: string): boolean {
  const parts = pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`).test(value);
}

type SupportSubject = Pick<
  KernelIdentity,
  "distro" | "distroVersion" | "arch" | "kernelRelease" | "flavour" | "upstreamVersion"
>;

export function checkSupport(
  identity: SupportSubject,
  policy: TargetsPolicy,
  options: SupportOptions = {},
): SupportResult {
  const where = `${identity.distro} ${identity.distroVersion}`;
  if (!policy.files.some((f) => f.distro === identity.distro)) {
    return { supported: false, reason: `no targets file lists ${identity.distro}` };
  }
  const target = findTarget(policy, identity.distro, identity.distroVersion);
  if (!target) return { supported: false, reason: `${where} is not a supported version in targets/` };
  if (options.excludeEol && target.eol !== undefined)
    return {
      supported: false,
      reason: `${where} is end-of-life (eol: ${target.eol}); --exclude-eol leaves it out`,
      target,
    };
  const release = identity.kernelRelease;
  if (!target.arches.includes(identity.arch)) {
    return {
      supported: false,
      reason: `${identity.arch} is not a target arch of ${where} (${target.arches.join(", ")})`,
      target,
    };
  }
  const excluded = target.exclude.find((p) => matchesPattern(p, release));
  if (excluded)
    return { supported: false, reason: `${release} is excluded by pattern ${excluded} of ${where}`, target };
  const pin = target.pins.find((p) => matchesPattern(p, release));
  if (pin) return { supported: true, reason: `${release} is pinned by ${pin} in ${where}`, target };
  if (target.flavours && !target.flavours.some((f) => matchesPattern(f, identity.flavour))) {
    return {
      supported: false,
      reason: `flavour ${identity.flavour} is not a target flavour of ${where} (${target.flavours.join(", ")})`,
      target,
    };
  }
  if (target.minKernel && compareDottedVersions(identity.upstreamVersion, target.minKernel) < 0) {
    return {
      supported: false,
      reason: `kernel ${identity.upstreamVersion} is older than minKernel ${target.minKernel} of ${where}`,
      target,
    };
  }
  return { supported: true, reason: `${where} ${identity.arch} is a supported target`, target };
}
