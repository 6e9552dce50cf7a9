import { type Container, type Directory, dag, type File, type Platform } from "@dagger.io/dagger";
import { type Arch, normaliseArch } from "../core/arch.js";
import { type BuilderPlan, identityAndTarget, planBuilder } from "../core/build/builder-plan.js";
import { parseHeadersRecord } from "../core/build/headers-record.js";
import { builderSteps, CONTAINER_LAYOUT, type DkmsStepInput, dkmsEvaluateStep } from "../core/build/steps.js";
import type { IdentityInput, KernelIdentity } from "../core/identity.js";
import { DKMS_CONF, type PackagePlan, planModulePackage } from "../core/modules/package-plan.js";
import { dkmsPaths } from "../core/modules/plan-files.js";
import type { TargetsPolicy, VersionTarget } from "../core/targets.js";
import { cliContainer, runCli } from "./cli-container.js";

/**
 * One build as Dagger containers, composing the same steps every runner runs:
 *   headers  `kmodforge headers` in the CLI container (resolve → fetch → extract; verified)
 *   plan     a DKMS tree's dkms.conf read here (core/modules), or evaluated by the evaluate builder step when it needs a
 *            shell; the plan files go into the work directory
 *   compile, package  the builder steps (core/build/steps.ts) in the kernel's builder image, at the container layout
 *   seal     `kmodforge seal` in the CLI container (verify gate, metadata.json, SHA256SUMS)
 * The container executor runs the same builder steps with the same layout, so both send identical command lines.
 */

/** Where the TypeScript steps keep their files in the CLI container. */
export const RECORD = "/work/meta/headers.json";
export const PLAN_FILE = "/work/meta/plan.json";
export const ARTIFACTS = "/work/artifacts";

export interface DaggerBuildInput extends IdentityInput {
  driverVersion?: string;
}

/** The engine's platform as an arch (`linux/arm64` → aarch64); builds never assume x86_64. */
export function archOfPlatform(platform: string): Arch {
  const arch = normaliseArch(platform.split("/")[1] ?? "");
  if (!arch)
    throw new Error(
      `the engine's platform ${platform} is not one kmodforge builds on (linux/amd64, linux/arm64)`,
    );
  return arch;
}

/** The builder image of a plan: the family's Dockerfile with the plan's arguments on the plan's platform. */
/** The engine's own architecture: what native builds run as and what cross builds start from. */
export async function engineArch(): Promise<Arch> {
  return archOfPlatform(await dag.defaultPlatform());
}

export function builderContainer(repo: Directory, plan: BuilderPlan): Container {
  return repo.dockerBuild({
    dockerfile: plan.dockerfile,
    platform: plan.platform as Platform,
    buildArgs: Object.entries(plan.buildArgs).map(([name, value]) => ({ name, value })),
  });
}

/** How metadata names a Dagger builder: the Dockerfile and its arguments (the engine keys the image by them). */
export function builderDescription(plan: BuilderPlan): string {
  const args = Object.entries(plan.buildArgs).map(([k, v]) => `${k}=${v}`);
  return [plan.dockerfile, plan.platform, ...args].join(" ");
}

function identityArgs(identity: KernelIdentity): string[] {
  return [
    "--kernel",
    identity.kernelRelease,
    "--distro",
    identity.distro,
    "--distro-version",
    identity.distroVersion,
    "--arch",
    identity.arch,
  ];
}

/** The headers step: a directory holding the extracted tree, and the record describing it. */
export function headersStep(
  repo: Directory,
  identity: KernelIdentity,
  plan: BuilderPlan,
  resolution?: File,
): { tree: Directory; record: File } {
  let ctr = cliContainer(repo);
  const args = ["headers", ...identityArgs(identity), "--builder-arch", plan.builderArch];
  if (resolution) {
    ctr = ctr.withFile(PLAN_FILE, resolution);
    args.push("--plan", PLAN_FILE);
  }
  ctr = runCli(ctr, [...args, "--out", CONTAINER_LAYOUT.headersRoot, "--record", RECORD]);
  return { tree: ctr.directory(CONTAINER_LAYOUT.headersRoot), record: ctr.file(RECORD) };
}

/** The builder image with the scripts, the headers and the source at the container layout. */
function builderWith(repo: Directory, source: Directory, tree: Directory, plan: BuilderPlan): Container {
  return builderContainer(repo, plan)
    .withDirectory(CONTAINER_LAYOUT.scripts, repo.directory("scripts"))
    .withDirectory(CONTAINER_LAYOUT.headersRoot, tree)
    .withDirectory(CONTAINER_LAYOUT.source, source)
    .withWorkdir("/work");
}

/** compile and package in the builder image (a DKMS tree with its plan files); returns the work directory. */
export function builderStepsIn(
  repo: Directory,
  source: Directory,
  tree: Directory,
  plan: BuilderPlan,
  buildDirInTree: string,
  arch: Arch,
  pkg: PackagePlan = { kind: "kbuild" },
): Directory {
  let ctr = builderWith(repo, source, tree, plan);
  let dkms: DkmsStepInput | undefined;
  if (pkg.kind === "dkms") {
    dkms = { kernelRelease: pkg.file.plan.kernelRelease };
    const paths = dkmsPaths(CONTAINER_LAYOUT.work);
    ctr = ctr.withNewFile(paths.planEnv, pkg.planEnv).withNewFile(paths.planJson, pkg.planJson);
  }
  for (const step of builderSteps(CONTAINER_LAYOUT, buildDirInTree, arch, undefined, dkms))
    ctr = ctr.withExec(step.argv);
  return ctr.directory(CONTAINER_LAYOUT.work);
}

/**
 * The module package the source is for this kernel (core/modules/package-plan.ts, the same decision every runner
 * makes): a Kbuild tree, or a DKMS tree whose dkms.conf is read here or, when it needs a shell, evaluated by the
 * evaluate step in the builder image. Build scripts (PRE_BUILD/POST_BUILD) are not allowed in Dagger builds.
 */
export async function packageStep(
  repo: Directory,
  source: Directory,
  tree: Directory,
  plan: BuilderPlan,
  identity: KernelIdentity,
  buildDirInTree: string,
): Promise<PackagePlan> {
  const entries = await source.entries();
  if (!entries.includes(DKMS_CONF)) return { kind: "kbuild" };
  const dkms = { kernelRelease: identity.kernelRelease };
  return planModulePackage(
    {
      dkmsConf: await source.file(DKMS_CONF).contents(),
      kernelRelease: identity.kernelRelease,
      arch: identity.arch,
      work: CONTAINER_LAYOUT.work,
      source: CONTAINER_LAYOUT.source,
      kernelConfigText: await tree.file(`${buildDirInTree}/include/config/auto.conf`).contents(),
      allowScripts: false,
      disposableRoot: true,
    },
    (request) => {
      const paths = dkmsPaths(CONTAINER_LAYOUT.work);
      return builderWith(repo, source, tree, plan)
        .withNewFile(paths.request, request)
        .withExec(dkmsEvaluateStep(CONTAINER_LAYOUT, buildDirInTree, dkms).argv)
        .file(paths.evaluated)
        .contents();
    },
  );
}

/** The seal step; returns a directory holding the one artifact directory. */
export function sealStep(
  repo: Directory,
  source: Directory,
  headers: { tree: Directory; record: File },
  work: Directory,
  plan: BuilderPlan,
  driverVersion?: string,
): Directory {
  const ctr = cliContainer(repo)
    .withDirectory(CONTAINER_LAYOUT.headersRoot, headers.tree)
    .withFile(RECORD, headers.record)
    .withDirectory(CONTAINER_LAYOUT.work, work)
    .withDirectory(CONTAINER_LAYOUT.source, source);
  const args = [
    "seal",
    "--record",
    RECORD,
    "--work",
    CONTAINER_LAYOUT.work,
    "--source",
    CONTAINER_LAYOUT.source,
  ];
  args.push(
    "--out",
    ARTIFACTS,
    "--runner",
    "dagger",
    "--image",
    builderDescription(plan),
    "--mode",
    plan.mode,
  );
  if (driverVersion) args.push("--driver-version", driverVersion);
  return runCli(ctr, args).directory(ARTIFACTS);
}

export interface DaggerBuild {
  identity: KernelIdentity;
  target: VersionTarget;
  plan: BuilderPlan;
  output: Directory;
}

/**
 * Composes one build. The headers record is read back (one leaf) because the builder's command line names the
 * kernel build directory inside the extracted tree, exactly as the container executor's does.
 */
export async function buildPipeline(
  repo: Directory,
  source: Directory,
  input: DaggerBuildInput,
  options: { policy: TargetsPolicy; engineArch: Arch; resolution?: File },
): Promise<DaggerBuild> {
  const { identity, target } = identityAndTarget(input, options.policy, options.engineArch);
  const plan = planBuilder(identity, target, options.engineArch);
  const headers = headersStep(repo, identity, plan, options.resolution);
  const record = parseHeadersRecord(await headers.record.contents(), "headers.json");
  if (!record.ok) throw new Error(record.message);
  const buildDir = record.value.buildDir;
  const pkg = await packageStep(repo, source, headers.tree, plan, identity, buildDir);
  const work = builderStepsIn(repo, source, headers.tree, plan, buildDir, identity.arch, pkg);
  const driverVersion = typeof input.driverVersion === "string" ? input.driverVersion : undefined;
  return { identity, target, plan, output: sealStep(repo, source, headers, work, plan, driverVersion) };
}
