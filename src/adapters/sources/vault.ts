import { planRpmLocators, vaultLocators } from "../../core/headers/rpm-repo-plan.js";
import type { SourceLink } from "../../core/headers/types.js";
import type { HeaderSource } from "../../core/targets.js";
import { DEFAULT_LIMITS, type LinkLimits } from "./link-io.js";
import { resolveRpmPackages } from "./rpm-link-common.js";
import { PrimaryIndexMemo } from "./rpm-repo-reader.js";

type VaultSource = Extract<HeaderSource, { kind: "vault" }>;

/**
 * Rocky/Alma/CentOS vaults: each retired point release stays as an ordinary repository, so this is the RPM
 * repository reader pointed at the minor the kernel names (`el9_5` → `$releasever` = 9.5).
 */
export function createVaultLink(
  options: { limits?: Partial<LinkLimits>; memo?: PrimaryIndexMemo } = {},
): SourceLink<VaultSource> {
  const deps = {
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    memo: options.memo ?? new PrimaryIndexMemo(),
  };
  return {
    kind: "vault",
    plan: (link, req) => planRpmLocators("vault", req, (want) => vaultLocators(link, req, want)),
    resolve: (link, req, ctx) =>
      resolveRpmPackages("vault", req, ctx, (want) => vaultLocators(link, req, want), deps),
  };
}
