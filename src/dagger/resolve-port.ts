import { dag } from "@dagger.io/dagger";
import type { Arch } from "../core/arch.js";
import type { ResolvedHeaders } from "../core/headers/types.js";
import type { KernelIdentity } from "../core/identity.js";
import { findTarget, type TargetsPolicy } from "../core/targets.js";
import { cliContainer, runCli } from "./cli-container.js";

/**
 * Header resolution as the Dagger functions need it: `kmodforge resolve --json` in the CLI container, a Debian
 * image whose apt configuration, keyring and gpgv the apt link uses, so the engine resolves exactly as a laptop
 * does. Every argument was validated by parseIdentity before it reaches the exec.
 */
export async function resolveHeadersLazily(
  identity: KernelIdentity,
  policy: TargetsPolicy,
  hostArch: Arch,
): Promise<ResolvedHeaders> {
  const target = findTarget(policy, identity.distro, identity.distroVersion);
  if (!target) throw new Error(`no target for ${identity.distro} ${identity.distroVersion} in targets/`);
  const args = [
    "resolve",
    "--kernel",
    identity.kernelRelease,
    "--distro",
    identity.distro,
    "--distro-version",
    identity.distroVersion,
  ];
  args.push("--arch", identity.arch, "--host-arch", hostArch, "--json");
  const out = await runCli(cliContainer(dag.currentModule().source()), args).stdout();
  return JSON.parse(out) as ResolvedHeaders;
}
