import { createHash } from "node:crypto";
import { adapterFor } from "../../distros/registry.js";
import { ARCH_FACTS, type Arch } from "../arch.js";
import { KmodforgeError } from "../errors.js";
import { type IdentityInput, type KernelIdentity, parseIdentity } from "../identity.js";
import { compilerFor, findTarget, type TargetsPolicy, type VersionTarget } from "../targets.js";

/**
 * Which builder a kernel's module compiles in, as plain data: the family's Dockerfile with its build arguments, the
 * platform, and whether the build is native, cross-compiled or emulated. Every runner (container executor, Dagger)
 * builds the same image from this plan; the host runner uses it to say which image it would have used.
 */

export type BuildMode = "native" | "cross" | "emulated";

export interface BuilderPlan {
  dockerfile: string;
  /** Build arguments of the Dockerfile, sorted by name. */
  buildArgs: Record<string, string>;
  /** OCI platform of the builder. */
  platform: "linux/amd64" | "linux/arm64";
  /** Architecture the builder's programs run as; the headers' kbuild tools must be built for it. */
  builderArch: Arch;
  mode: BuildMode;
  /** Why this mode was chosen; goes into the build log. */
  modeNote: string;
  /** The compiler the kernel line is built with, per the targets policy. */
  compiler: { family: "gcc" | "clang"; major: number };
}

/**
 * Parses an identity (as it arrives from a flag, an HTTP body or a Dagger argument) and finds its target; throws the
 * field-level error on bad input and UNSUPPORTED_TARGET when the policy has no such version.
 */
export function identityAndTarget(
  input: IdentityInput,
  policy: TargetsPolicy,
  machineArch: Arch,
): { identity: KernelIdentity; target: VersionTarget } {
  const parsed = parseIdentity(input, { hostArch: machineArch });
  if (!parsed.ok) throw parsed.error;
  const identity = parsed.value;
  const target = findTarget(policy, identity.distro, identity.distroVersion);
  if (!target)
    throw new KmodforgeError(
      "UNSUPPORTED_TARGET",
      `${identity.distro} ${identity.distroVersion} is not in the targets policy (targets/)`,
    );
  return { identity, target };
}

type PlanIdentity = Pick<KernelIdentity, "distro" | "arch" | "upstreamVersion">;

/** Every compiler a target's kernel lines need: the default and each listed line's. */
export function targetCompilers(target: VersionTarget): BuilderPlan["compiler"][] {
  const majors = new Set([target.compiler.defaultMajor, ...target.compiler.lines.map((l) => l.major)]);
  return [...majors].sort((a, b) => a - b).map((major) => ({ family: target.compiler.family, major }));
}

/**
 * Plans the builder for one kernel on a machine of `machineArch` (the host, or the Dagger engine's platform). A family
 * whose archives ship a cross compiler and host-arch kbuild tools cross-compiles aarch64 on x86_64; any other
 * foreign-arch build runs in an emulated builder of the target's platform.
 */
export function planBuilder(identity: PlanIdentity, target: VersionTarget, machineArch: Arch): BuilderPlan {
  return planBuilderFor(identity, target, compilerFor(target, identity.upstreamVersion), machineArch);
}

/** The same plan for a compiler chosen by the caller (every image a target needs, e.g. `kmodforge images`). */
export function planBuilderFor(
  identity: Pick<KernelIdentity, "distro" | "arch">,
  target: VersionTarget,
  compiler: BuilderPlan["compiler"],
  machineArch: Arch,
): BuilderPlan {
  const facts = adapterFor(identity.distro).builder;
  const canCross = facts.crossCompiles && machineArch === "x86_64";
  let mode: BuildMode = "native";
  let modeNote = `native ${identity.arch} build`;
  if (identity.arch !== machineArch) {
    mode = canCross ? "cross" : "emulated";
    modeNote = canCross
      ? `cross-compiled on x86_64 with ${ARCH_FACTS[identity.arch].crossPrefix}gcc and x86_64 kbuild tools`
      : `${identity.distro} ships no cross toolchain: ${ARCH_FACTS[identity.arch].platform} builder (emulated unless the machine is ${identity.arch})`;
  }
  const builderArch = mode === "emulated" ? identity.arch : machineArch;
  return {
    dockerfile: facts.dockerfile,
    buildArgs: {
      BASE_IMAGE: target.builderImage,
      // One image serves native and cross builds of a version, so a sweep over both arches builds it once.
      CROSS: canCross ? "1" : "0",
      GCC_MAJOR: String(compiler.major),
      VERSION: target.codename ?? target.version,
    },
    platform: ARCH_FACTS[builderArch].platform,
    builderArch,
    mode,
    modeNote,
    compiler,
  };
}

/**
 * The tag of a builder image: a digest of everything that decides its content — the Dockerfile's text, the build
 * arguments, the platform, and the base image's own ID — so a changed input builds a new image and an unchanged one
 * is reused.
 */
export function builderImageTag(
  plan: Pick<BuilderPlan, "dockerfile" | "buildArgs" | "platform">,
  dockerfileText: string,
  baseImageId: string,
): string {
  const family = /([a-z0-9-]+)\.Dockerfile$/.exec(plan.dockerfile)?.[1] ?? "builder";
  const digest = createHash("sha256")
    .update(
      JSON.stringify([
        dockerfileText,
        Object.entries(plan.buildArgs).sort(([a], [b]) => (a < b ? -1 : 1)),
        plan.platform,
        baseImageId,
      ]),
    )
    .digest("hex")
    .slice(0, 20);
  return `localhost/kmodforge-builder-${family}:${digest}`;
}
