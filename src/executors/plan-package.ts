import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { dkmsEvaluateStep } from "../core/build/steps.js";
import { KmodforgeError } from "../core/errors.js";
import type { KernelIdentity } from "../core/identity.js";
import { DKMS_CONF, type PackagePlan, planModulePackage } from "../core/modules/package-plan.js";
import { dkmsPaths } from "../core/modules/plan-files.js";
import type { BuilderRunner } from "./builder-runners.js";

/**
 * Plans the module package of a build on this machine's files: reads the source's dkms.conf and the kernel's
 * configuration, runs the evaluate step through the build's runner when dkms.conf needs a shell, and writes the
 * plan into the work directory for the compile and seal steps.
 */

export interface PlanPackageInput {
  runner: BuilderRunner;
  identity: Pick<KernelIdentity, "kernelRelease" | "arch">;
  /** Host paths: the source tree and the work directory (mounted at the runner's layout). */
  source: string;
  work: string;
  /** The kernel build directory on the host, and inside the extracted tree. */
  kernelBuildDir: string;
  buildDirInTree: string;
  allowScripts: boolean;
  env: Record<string, string>;
  /** Progress: how dkms.conf was read and how many modules the plan has. */
  log: (line: string) => void;
}

/** Reads dkms.conf when the source has one. */
export async function readDkmsConfOf(source: string): Promise<string | undefined> {
  const path = join(source, DKMS_CONF);
  return existsSync(path) ? readFile(path, "utf8") : undefined;
}

async function writeIn(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

export async function planPackage(
  input: PlanPackageInput,
  dkmsConf: string | undefined,
): Promise<PackagePlan> {
  const { runner, identity } = input;
  const host = dkmsPaths(input.work);
  const plan = await planModulePackage(
    {
      ...(dkmsConf !== undefined ? { dkmsConf } : {}),
      kernelRelease: identity.kernelRelease,
      arch: identity.arch,
      work: runner.layout.work,
      source: runner.layout.source,
      kernelConfigText:
        dkmsConf === undefined
          ? ""
          : await readFile(join(input.kernelBuildDir, "include/config/auto.conf"), "utf8"),
      allowScripts: input.allowScripts,
      disposableRoot: runner.layout.root === "disposable",
    },
    async (request) => {
      await writeIn(host.request, request);
      const step = dkmsEvaluateStep(runner.layout, input.buildDirInTree, {
        kernelRelease: identity.kernelRelease,
      });
      const r = await runner.run(step, { timeoutMs: 300_000, env: input.env });
      if (r.code !== 0)
        throw new KmodforgeError(
          "EXTERNAL_TOOL_FAILED",
          `evaluating dkms.conf in the build environment failed (exit ${r.code}): ${`${r.stderr}${r.stdout}`.trim().slice(-2000)}`,
        );
      return readFile(host.evaluated, "utf8");
    },
  );
  if (plan.kind === "dkms") {
    await writeIn(host.planEnv, plan.planEnv);
    await writeIn(host.planJson, plan.planJson);
    const { plan: p, evaluatedBy, shellReason } = plan.file;
    const how =
      evaluatedBy === "shell" ? `evaluated by bash in the build environment (${shellReason})` : "read";
    const count = p.modules.length === 1 ? "1 module" : `${p.modules.length} modules`;
    input.log(`${p.package.name} ${p.package.version}: dkms.conf ${how}; ${count}`);
  }
  return plan;
}
