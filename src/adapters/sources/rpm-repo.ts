import { planRpmLocators, rpmRepoLocators } from "../../core/headers/rpm-repo-plan.js";
import type { SourceLink } from "../../core/headers/types.js";
import type { HeaderSource } from "../../core/targets.js";
import { DEFAULT_LIMITS, type LinkLimits } from "./link-io.js";
import { resolveRpmPackages } from "./rpm-link-common.js";
import { PrimaryIndexMemo } from "./rpm-repo-reader.js";

type RpmRepoSource = Extract<HeaderSource, { kind: "rpm-repo" }>;

/**
 * RPM repository metadata link: repomd.xml → primary index (checksum-checked) → the package's location, sha256 and
 * size. Base URLs and mirror lists (Amazon Linux `mirror.list`) are tried per releasever, in the link's order.
 */
export function createRpmRepoLink(
  options: { limits?: Partial<LinkLimits>; memo?: PrimaryIndexMemo } = {},
): SourceLink<RpmRepoSource> {
  const deps = {
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    memo: options.memo ?? new PrimaryIndexMemo(),
  };
  return {
    kind: "rpm-repo",
    plan: (link, req) => planRpmLocators("rpm-repo", req, (want) => rpmRepoLocators(link, req, want)),
    resolve: (link, req, ctx) =>
      resolveRpmPackages("rpm-repo", req, ctx, (want) => rpmRepoLocators(link, req, want), deps),
  };
}
