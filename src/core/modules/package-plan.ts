import { KmodforgeError } from "../errors.js";
import { type DkmsPresets, parseEvaluatedConf, readDkmsConfForBuild } from "./dkms-conf.js";
import { planDkmsBuild } from "./dkms-plan.js";
import { dkmsPaths, type PlanFile, renderPlanEnv, renderPlanJson, renderRequest } from "./plan-files.js";

/**
 * The module package a source tree is, for one kernel: a plain Kbuild tree (every `.ko` the build produces is a
 * module), or a DKMS tree (dkms.conf present: its plan says what to run and which modules must come out). dkms.conf
 * is read by kmodforge when it is made of plain assignments; otherwise the build environment evaluates it with bash
 * (the `evaluate` callback runs that builder step), never this process. The I/O is the caller's; this decides.
 */

export const DKMS_CONF = "dkms.conf";

export interface PackageRequest {
  /** dkms.conf's text; absent for a plain Kbuild tree. */
  dkmsConf?: string;
  kernelRelease: string;
  /** x86_64 or aarch64: DKMS's `arch` on Debian-like systems (`uname -m`). */
  arch: string;
  /** The work directory and the source as the builder steps see them (the runner's layout). */
  work: string;
  source: string;
  /** The text of the kernel's include/config/auto.conf. */
  kernelConfigText: string;
  /** PRE_BUILD/POST_BUILD may run (--allow-scripts). */
  allowScripts: boolean;
  /** Whether the builder steps run in a container of their own (scripts never run on the host). */
  disposableRoot: boolean;
}

export type PackagePlan =
  | { kind: "kbuild" }
  | {
      kind: "dkms";
      file: PlanFile;
      /** What to write at dkmsPaths(work).planEnv and .planJson before the compile step. */
      planEnv: string;
      planJson: string;
    };

/** DKMS's preset variables in a build environment of this layout (module/module_version come from the file). */
export function dkmsPresets(req: Pick<PackageRequest, "kernelRelease" | "arch" | "work" | "source">) {
  const kernelSourceDir = `/lib/modules/${req.kernelRelease}/build`;
  return {
    kernelver: req.kernelRelease,
    arch: req.arch,
    kernel_source_dir: kernelSourceDir,
    kernel_config: `${kernelSourceDir}/include/config/auto.conf`,
    dkms_tree: dkmsPaths(req.work).tree,
    source_tree: req.source.replace(/\/[^/]*\/?$/, "") || "/",
    install_tree: "/lib/modules",
  } satisfies Omit<DkmsPresets, "module" | "module_version">;
}

const invalid = (message: string) => new KmodforgeError("INVALID_INPUT", message);

/** Reads dkms.conf (here, or through `evaluate` in the build environment) and plans the build, or says why not. */
export async function planModulePackage(
  req: PackageRequest,
  evaluate: (request: string) => Promise<string>,
): Promise<PackagePlan> {
  if (req.dkmsConf === undefined) return { kind: "kbuild" };
  const base = dkmsPresets(req);
  const read = readDkmsConfForBuild(req.dkmsConf, base);
  let values = read.kind === "values" ? read.values : undefined;
  if (!values) {
    const evaluated = parseEvaluatedConf(await evaluate(renderRequest(base)));
    if (!evaluated.ok) throw new KmodforgeError("EXTERNAL_TOOL_FAILED", evaluated.message);
    values = evaluated.values;
  }
  const presets: DkmsPresets = {
    ...base,
    module: values.get("PACKAGE_NAME")?.get(0) ?? "",
    module_version: values.get("PACKAGE_VERSION")?.get(0) ?? "",
  };
  const planned = planDkmsBuild(values, presets, {
    release: req.kernelRelease,
    arch: req.arch,
    configText: req.kernelConfigText,
  });
  if (planned.kind === "invalid") throw invalid(planned.errors.join("\n"));
  if (planned.kind === "excluded")
    throw new KmodforgeError(
      "BUILD_EXCLUDED",
      `${planned.package.name} ${planned.package.version} is not built for ${req.kernelRelease} (${req.arch}): ${planned.rule}`,
      { rule: planned.rule, package: planned.package },
    );
  const { plan } = planned;
  const scripts = [
    ...(plan.preBuild ? [`PRE_BUILD="${plan.preBuild}"`] : []),
    ...(plan.postBuild ? [`POST_BUILD="${plan.postBuild}"`] : []),
  ];
  if (scripts.length && !req.allowScripts)
    throw invalid(
      `dkms.conf sets ${scripts.join(" and ")}; build scripts run only when allowed (--allow-scripts), in a builder container`,
    );
  if (scripts.length && !req.disposableRoot)
    throw invalid(
      `dkms.conf sets ${scripts.join(" and ")}; build scripts never run on this host: use --executor container`,
    );
  const file: PlanFile = {
    schemaVersion: 1,
    evaluatedBy: read.kind === "values" ? "reader" : "shell",
    ...(read.kind === "needs-shell" ? { shellReason: read.reason } : {}),
    plan,
  };
  return {
    kind: "dkms",
    file,
    planEnv: renderPlanEnv(plan, req.allowScripts),
    planJson: renderPlanJson(file),
  };
}
