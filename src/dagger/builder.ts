import { CacheSharingMode, type Container, type Directory, dag, type Platform } from "@dagger.io/dagger";
import type { BuildPlan } from "./build-plan.js";

/**
 * The builder container for one plan: the family Dockerfile from dockerfiles/ built with the plan's ARGs on the
 * plan's platform. The engine caches the image by content (Dockerfile + args + base digest), so every build on an
 * engine shares it.
 */
export function builderContainer(repo: Directory, plan: BuildPlan): Container {
  return repo.dockerBuild({
    dockerfile: plan.dockerfile,
    platform: plan.platform as Platform,
    buildArgs: Object.entries(plan.buildArgs).map(([name, value]) => ({ name, value })),
  });
}

/** Package-manager caches; LOCKED because apt and dnf take exclusive locks on their state. */
export function withPackageCache(ctr: Container, plan: BuildPlan): Container {
  const isDeb = plan.identity.distro === "debian" || plan.identity.distro === "ubuntu";
  const path = isDeb ? "/var/cache/apt/archives" : "/var/cache/dnf";
  return ctr.withMountedCache(path, dag.cacheVolume(plan.pkgCacheKey), {
    sharing: CacheSharingMode.Locked,
  });
}
