import { type Directory, dag, type File } from "@dagger.io/dagger";
import { z } from "zod";
import type { Arch } from "../core/arch.js";
import type { ResolvedHeaders } from "../core/headers/types.js";
import { type IdentityInput, parseIdentity } from "../core/identity.js";
import { findTarget, type TargetsPolicy } from "../core/targets.js";
import { buildContainer, buildOutput, FACTS_FILE } from "./build-pipeline.js";
import { type BuildPlan, planBuild } from "./build-plan.js";
import { verifyFacts } from "./facts.js";
import { resolveHeadersLazily } from "./resolve-port.js";

/** One identity from raw arguments to a verified output Directory: the orchestration behind `build`. */

const packageSchema = z.object({
  name: z.string(),
  role: z.enum(["headers", "common", "kbuild", "compiler"]),
  version: z.string(),
  packageArch: z.string(),
  url: z.string().url(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  size: z.number().optional(),
  signedBy: z.string().optional(),
  source: z.string(),
});
export const headerPlanSchema = z.object({ packages: z.array(packageSchema).min(1) }).passthrough();

export interface BuildOneOptions {
  policy: TargetsPolicy;
  /** A header plan from `resolve` (JSON text); resolved live when absent. */
  planText?: string;
  engineArch?: Arch;
  resolve?: typeof resolveHeadersLazily;
}

export interface BuildOneResult {
  output: Directory;
  plan: BuildPlan;
  ok: boolean;
  problems: string[];
}

/** Validates the identity and finds its target; throws with the field-level message on bad input. */
export function identityAndTarget(input: IdentityInput, policy: TargetsPolicy, engineArch: Arch) {
  const parsed = parseIdentity(input, { hostArch: engineArch });
  if (!parsed.ok) throw parsed.error;
  const identity = parsed.value;
  const target = findTarget(policy, identity.distro, identity.distroVersion);
  if (!target) throw new Error(`no target for ${identity.distro} ${identity.distroVersion} in targets/`);
  return { identity, target };
}

export async function buildOne(
  repo: Directory,
  source: Directory,
  input: IdentityInput,
  options: BuildOneOptions,
): Promise<BuildOneResult> {
  const engineArch = options.engineArch ?? "x86_64";
  const { identity, target } = identityAndTarget(input, options.policy, engineArch);
  const headers: Pick<ResolvedHeaders, "packages"> = options.planText
    ? headerPlanSchema.parse(JSON.parse(options.planText))
    : await (options.resolve ?? resolveHeadersLazily)(identity, options.policy, engineArch);
  const plan = planBuild(identity, target, headers, engineArch);
  const ctr = buildContainer(repo, source, plan);
  const gate = verifyFacts(plan, await ctr.file(FACTS_FILE).contents());
  const metadata = {
    identity: plan.identity,
    mode: plan.mode,
    modeNote: plan.modeNote,
    platform: plan.platform,
    dockerfile: plan.dockerfile,
    packages: plan.packages.map(({ name, version, url, sha256, source: from }) => ({
      name,
      version,
      url,
      sha256,
      source: from,
    })),
    verify: { ok: gate.ok, problems: gate.problems, facts: gate.facts },
  };
  const log = [`build mode: ${plan.modeNote}`, ...gate.problems.map((p) => `verify: ${p}`), ""].join("\n");
  const output = buildOutput(ctr)
    .withNewFile("metadata.json", `${JSON.stringify(metadata, null, 2)}\n`)
    .withNewFile("kmodforge.log", log);
  return { output, plan, ok: gate.ok, problems: gate.problems };
}

/** Reads an optional plan file argument. */
export async function planTextOf(plan?: File): Promise<string | undefined> {
  return plan ? plan.contents() : undefined;
}

export const emptyDirectory = (): Directory => dag.directory();
