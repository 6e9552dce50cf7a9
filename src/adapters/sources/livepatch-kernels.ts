import type { Arch } from "../../core/arch.js";
import type { ResolveContext } from "../../core/headers/types.js";
import { kernelsFromLivepatches } from "../../distros/amazonlinux-livepatch.js";
import { DEFAULT_LIMITS, type LinkLimits } from "./link-io.js";
import { PrimaryIndexMemo, readRpmRepo } from "./rpm-repo-reader.js";

export type LivepatchListing =
  | { ok: true; kernels: string[] }
  | { ok: false; reason: string; detail: string; url: string };

/**
 * Kernels an Amazon Linux repository has live patches for, read from its (checksum-checked) primary index:
 * every `kernel-livepatch-<kernel>` package names one kernel build that existed, e.g.
 * `6.1.79-99.167.amzn2023.x86_64`. Headers for them still come from the header chain.
 */
export async function livepatchKernelsFromRepo(
  ctx: ResolveContext,
  repoBase: string,
  arch: Arch,
  options: { limits?: Partial<LinkLimits>; memo?: PrimaryIndexMemo } = {},
): Promise<LivepatchListing> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const read = await readRpmRepo(ctx, repoBase, limits, options.memo ?? new PrimaryIndexMemo(), {
    id: "livepatch",
    keep: (name) => name.startsWith("kernel-livepatch-"),
  });
  if (!read.ok) return read;
  const names = read.index.packages.map((p) => `${p.name}-${p.version}-${p.release}`);
  return { ok: true, kernels: kernelsFromLivepatches(names, arch) };
}
