import { z } from "zod";
import { DKMS_CONF_VARIABLES, type DkmsPresets } from "./dkms-conf.js";
import type { DkmsBuildPlan } from "./dkms-plan.js";

/**
 * The files a DKMS build passes between its steps, all inside the build's work directory (so every runner — host,
 * container, Dagger — hands them over the same way): the evaluation request and result (when dkms.conf needs a
 * shell), and the plan, once as shell assignments for the builder step and once as JSON for the seal step. Pure.
 */

export interface DkmsPaths {
  /** Preset variables for scripts/dkms-evaluate.sh. */
  request: string;
  /** What the evaluation printed: NUL-separated name, index, value triples. */
  evaluated: string;
  /** The plan as POSIX shell assignments (single-quoted), for scripts/compile-module.sh. */
  planEnv: string;
  /** The plan as JSON, for the seal step. */
  planJson: string;
  /** DKMS's `$dkms_tree`: the build directory is `<tree>/<name>/<version>/build`. */
  tree: string;
}

export function dkmsPaths(work: string): DkmsPaths {
  const dir = `${work}/dkms`;
  return {
    request: `${dir}/request.env`,
    evaluated: `${dir}/evaluated`,
    planEnv: `${dir}/plan.env`,
    planJson: `${dir}/plan.json`,
    tree: `${work}/dkms-tree`,
  };
}

/** A value as one single-quoted shell word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const assignments = (pairs: ReadonlyArray<readonly [string, string]>) =>
  `${pairs.map(([k, v]) => `${k}=${shellQuote(v)}`).join("\n")}\n`;

/** The request: DKMS's preset variables (module and module_version are found by the evaluation itself). */
export function renderRequest(presets: Omit<DkmsPresets, "module" | "module_version">): string {
  return assignments([
    ["dkms_conf_variables", DKMS_CONF_VARIABLES.join(" ")],
    ["kernelver", presets.kernelver],
    ["arch", presets.arch],
    ["kernel_source_dir", presets.kernel_source_dir],
    ["kernel_config", presets.kernel_config],
    ["dkms_tree", presets.dkms_tree],
    ["source_tree", presets.source_tree],
    ["install_tree", presets.install_tree],
  ]);
}

export function renderPlanEnv(plan: DkmsBuildPlan, scriptsAllowed: boolean): string {
  const { name, version } = plan.package;
  return assignments([
    ["dkms_package", `${name} ${version}`],
    ["dkms_kernelver", plan.kernelRelease],
    ["dkms_build_dir", plan.buildDir],
    ["dkms_make", plan.make.command],
    ["dkms_make_prefixed", plan.make.prefixed ? "1" : "0"],
    ["dkms_patches", plan.patches.join("\n")],
    [
      "dkms_modules",
      // `|` separates the fields: a tab is IFS whitespace to `read`, which would swallow an empty location.
      plan.modules.map((m) => [m.location, m.builtName, m.destName, String(m.index)].join("|")).join("\n"),
    ],
    ["dkms_pre_build", scriptsAllowed ? (plan.preBuild ?? "") : ""],
    ["dkms_post_build", scriptsAllowed ? (plan.postBuild ?? "") : ""],
    [
      "dkms_notes",
      [
        ...plan.notes,
        ...plan.excludedModules.map(
          (e) => `module ${e.module.builtName} is not built for this kernel: ${e.rule}`,
        ),
      ].join("\n"),
    ],
  ]);
}

const moduleSchema = z.object({
  index: z.number().int().nonnegative(),
  builtName: z.string().min(1),
  location: z.string(),
  destName: z.string().min(1),
});

export const planFileSchema = z.object({
  schemaVersion: z.literal(1),
  /** How dkms.conf was read: by kmodforge's reader, or by bash in the build environment (and why). */
  evaluatedBy: z.enum(["reader", "shell"]),
  shellReason: z.string().optional(),
  plan: z.object({
    package: z.object({ name: z.string().min(1), version: z.string().min(1) }),
    kernelRelease: z.string().min(1),
    buildDir: z.string().min(1),
    make: z.object({ command: z.string().min(1), prefixed: z.boolean() }),
    modules: z.array(moduleSchema).min(1),
    excludedModules: z.array(z.object({ module: moduleSchema, rule: z.string() })),
    patches: z.array(z.string()),
    preBuild: z.string().optional(),
    postBuild: z.string().optional(),
    notes: z.array(z.string()),
  }),
});
export type PlanFile = z.infer<typeof planFileSchema>;

export function renderPlanJson(file: PlanFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function parsePlanJson(text: string): { ok: true; value: PlanFile } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `the DKMS plan is not JSON: ${(err as Error).message}` };
  }
  const r = planFileSchema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const first = r.error.issues[0];
  return { ok: false, message: `the DKMS plan: ${first?.path.join(".") || "(root)"}: ${first?.message}` };
}
