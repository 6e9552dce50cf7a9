import { ARCH_FACTS, type Arch } from "../core/arch.js";
import type { PackageCandidate, ResolvedHeaders } from "../core/headers/types.js";
import type { KernelIdentity } from "../core/identity.js";
import type { VersionTarget } from "../core/targets.js";

/**
 * The plain-data description of one containerised build, derived from an identity, its target and the resolved
 * header plan. No Dagger import: the pipeline file turns it into containers, tests read it directly.
 */

/** Builder Dockerfile per distribution family. */
const FAMILY_DOCKERFILE: Record<string, string> = {
  debian: "dockerfiles/debian.Dockerfile",
  ubuntu: "dockerfiles/ubuntu.Dockerfile",
  fedora: "dockerfiles/fedora.Dockerfile",
  centos: "dockerfiles/el.Dockerfile",
  almalinux: "dockerfiles/el.Dockerfile",
  rocky: "dockerfiles/el.Dockerfile",
  amazonlinux: "dockerfiles/amazonlinux.Dockerfile",
};

/** Families whose archives ship a cross gcc and host-arch kbuild tools, so aarch64 builds run on x86_64. */
const CROSS_CAPABLE = new Set(["debian", "ubuntu"]);

export type BuildMode = "native" | "cross" | "native-arm64";

export interface BuildPlan {
  identity: Pick<KernelIdentity, "distro" | "distroVersion" | "arch" | "kernelRelease">;
  dockerfile: string;
  buildArgs: Record<string, string>;
  /** OCI platform of the builder container. */
  platform: "linux/amd64" | "linux/arm64";
  mode: BuildMode;
  /** Why this mode was chosen; goes into the build log and metadata. */
  modeNote: string;
  packages: PackageCandidate[];
  /** Package-manager cache volume name (apt or dnf), locked because package managers lock their state. */
  pkgCacheKey: string;
  env: Record<string, string>;
  /** The prepared kernel tree inside the extracted header root, relative to it. */
  headersTree: string;
}

/** Where a family's header packages put the kbuild tree (Debian/Ubuntu vs RPM kernel-devel). */
export function headersTreeOf(distro: string, kernelRelease: string): string {
  return distro === "debian" || distro === "ubuntu"
    ? `usr/src/linux-headers-${kernelRelease}`
    : `usr/src/kernels/${kernelRelease}`;
}

/** Compiler major a kernel line needs, falling back to the image default. */
export function compilerMajorFor(target: VersionTarget, kernelRelease: string): number {
  const line = /^(\d+\.\d+)/.exec(kernelRelease)?.[1];
  return target.compiler.lines.find((l) => l.kernel === line)?.major ?? target.compiler.defaultMajor;
}

export function planBuild(
  identity: BuildPlan["identity"],
  target: VersionTarget,
  resolved: Pick<ResolvedHeaders, "packages">,
  engineArch: Arch = "x86_64",
): BuildPlan {
  const family = identity.distro;
  const dockerfile = target.dockerfile ?? FAMILY_DOCKERFILE[family] ?? `dockerfiles/${family}.Dockerfile`;
  const facts = ARCH_FACTS[identity.arch];
  let mode: BuildMode = "native";
  let modeNote = `native ${identity.arch} build`;
  let platform: BuildPlan["platform"] = ARCH_FACTS[engineArch].platform;
  const env: Record<string, string> = { ARCH: facts.kbuild, KERNELRELEASE: identity.kernelRelease };
  if (identity.arch !== engineArch) {
    if (CROSS_CAPABLE.has(family) && engineArch === "x86_64") {
      mode = "cross";
      modeNote = `cross-compiled on x86_64 with ${facts.crossPrefix}gcc and x86_64 kbuild tools`;
      env.CROSS_COMPILE = facts.crossPrefix;
    } else {
      mode = "native-arm64";
      platform = facts.platform;
      modeNote = `${family} ships no cross toolchain: native ${facts.platform} container (emulated by the engine unless it runs on an arm64 host)`;
    }
  }
  const compilerMajor = compilerMajorFor(target, identity.kernelRelease);
  return {
    identity,
    dockerfile,
    buildArgs: {
      BASE_IMAGE: target.builderImage,
      VERSION: target.codename ?? target.version,
      GCC_MAJOR: String(compilerMajor),
      CROSS: mode === "cross" ? "1" : "0",
    },
    platform,
    mode,
    modeNote,
    packages: resolved.packages,
    pkgCacheKey: `kmodforge-pkgcache-${family}-${target.version}-${platform.replace("/", "-")}`,
    env: { ...env, KMODFORGE_BUILD_MODE: mode, KMODFORGE_GCC_MAJOR: String(compilerMajor) },
    headersTree: headersTreeOf(family, identity.kernelRelease),
  };
}

/** File name a header package gets inside the container: last URL segment, restricted to a safe alphabet. */
export function packageFileName(pkg: PackageCandidate, index: number): string {
  const last = pkg.url.split("/").pop() ?? "";
  const safe = last.replace(/[^A-Za-z0-9._+~-]/g, "_");
  return `${String(index).padStart(2, "0")}-${safe || "package"}`;
}
