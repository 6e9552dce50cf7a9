import type { Container, Directory, File, Platform } from "@dagger.io/dagger";
import { type Arch, normaliseArch } from "../core/arch.js";
import { type BuilderPlan, identityAndTarget, planBuilder } from "../core/build/builder-plan.js";
import { parseHeadersRecord } from "../core/build/headers-record.js";
import { builderSteps, CONTAINER_LAYOUT } from "../core/build/steps.js";
import type { IdentityInput, KernelIdentity } from "../core/identity.js";
import type { TargetsPolicy, VersionTarget } from "../core/targets.js";
import { cliContainer, runCli } from "./cli-container.js";

/**
 * One build as Dagger containers, composing the same steps every runner runs:
 *   headers  `kmodforge headers` in the CLI container (resolve → fetch → extract; verified)
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

/** compile and package in the builder image; returns the work directory. */
export function builderStepsIn(
  repo: Directory,
  source: Directory,
  tree: Directory,
  plan: BuilderPlan,
  buildDirInTree: string,
  arch: Arch,
): Directory {
  let ctr = builderContainer(repo, plan)
    .withDirectory(CONTAINER_LAYOUT.scripts, repo.directory("scripts"))
    .withDirectory(CONTAINER_LAYOUT.headersRoot, tree)
    .withDirectory(CONTAINER_LAYOUT.source, source)
    .withWorkdir("/work");
  for (const step of builderSteps(CONTAINER_LAYOUT, buildDirInTree, arch)) ctr = ctr.withExec(step.argv);
  return ctr.directory(CONTAINER_LAYOUT.work);
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
  const work = builderStepsIn(repo, source, headers.tree, plan, record.value.buildDir, identity.arch);
  const driverVersion = typeof input.driverVersion === "string" ? input.driverVersion : undefined;
  return { identity, target, plan, output: sealStep(repo, source, headers, work, plan, driverVersion) };
}
