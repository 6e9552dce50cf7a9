import type { Arch } from "../core/arch.js";
import type { ResolvedHeaders } from "../core/headers/types.js";
import type { KernelIdentity } from "../core/identity.js";
import { findTarget, type TargetsPolicy } from "../core/targets.js";

/**
 * Header resolution as the Dagger functions need it. The resolver (HTTP stack, source links) is loaded on first
 * use only, so a call that is handed a plan never loads it.
 */
export async function resolveHeadersLazily(
  identity: KernelIdentity,
  policy: TargetsPolicy,
  hostArch: Arch,
): Promise<ResolvedHeaders> {
  const target = findTarget(policy, identity.distro, identity.distroVersion);
  if (!target) throw new Error(`no target for ${identity.distro} ${identity.distroVersion} in targets/`);
  const { resolveHeaders } = await import("../adapters/resolver.js");
  return resolveHeaders(identity, { target, hostArch });
}
