import type { Arch } from "../core/arch.js";
import type { ResolvedHeaders } from "../core/headers/types.js";
import type { KernelIdentity } from "../core/identity.js";
import type { TargetsPolicy } from "../core/targets.js";

/**
 * Header resolution as the Dagger functions need it. The resolver adapter is loaded on first use only, so a call
 * that is handed a plan never loads the HTTP stack.
 */
export type ResolveFn = (
  identity: KernelIdentity,
  policy: TargetsPolicy,
  hostArch: Arch,
) => Promise<ResolvedHeaders>;

export async function resolveHeadersLazily(
  identity: KernelIdentity,
  policy: TargetsPolicy,
  hostArch: Arch,
): Promise<ResolvedHeaders> {
  const specifier = "../adapters/resolver.js";
  const mod = (await import(specifier)) as {
    resolveHeaders?: (...args: unknown[]) => Promise<ResolvedHeaders>;
  };
  if (typeof mod.resolveHeaders !== "function") throw new Error("header resolver is not available");
  return mod.resolveHeaders({ identity, policy, hostArch });
}
