import type { Command } from "commander";
import { ensureBuilderImage } from "../../adapters/builder-images.js";
import { defaultCacheRoot } from "../../adapters/cache-dir.js";
import { loadTargets } from "../../adapters/targets-fs.js";
import { type BuilderPlan, planBuilderFor, targetCompilers } from "../../core/build/builder-plan.js";
import { InvalidInputError } from "../../core/errors.js";
import type { TargetsPolicy } from "../../core/targets.js";
import type { Distro } from "../../distros/adapter.js";
import { normaliseDistro } from "../../distros/registry.js";
import { hostArch } from "../../executors/build.js";
import { repoRoot } from "../../executors/build-scripts.js";
import { collect, printResult, progress } from "./sweep-common.js";

interface PlannedImage {
  distro: Distro;
  version: string;
  plan: BuilderPlan;
}

/** Every builder image the selected targets need on this machine, one per distinct Dockerfile + arguments. */
function plannedImages(
  policy: TargetsPolicy,
  distros: readonly Distro[],
  versions: readonly string[],
): PlannedImage[] {
  const machine = hostArch();
  const seen = new Map<string, PlannedImage>();
  for (const file of policy.files) {
    if (distros.length && !distros.includes(file.distro)) continue;
    for (const target of file.versions) {
      if (versions.length && !versions.includes(target.version)) continue;
      for (const compiler of targetCompilers(target))
        for (const arch of target.arches) {
          const plan = planBuilderFor({ distro: file.distro, arch }, target, compiler, machine);
          const key = JSON.stringify([plan.dockerfile, plan.buildArgs, plan.platform]);
          if (plan.mode !== "emulated" && !seen.has(key))
            seen.set(key, { distro: file.distro, version: target.version, plan });
        }
    }
  }
  return [...seen.values()];
}

function distrosOf(names: readonly string[]): Distro[] {
  return names.map((name) => {
    const distro = normaliseDistro(name);
    if (!distro)
      throw new InvalidInputError([
        {
          field: "distro",
          given: name,
          expected: "a distribution kmodforge knows",
          message: `distro: unknown ${JSON.stringify(name)}`,
        },
      ]);
    return distro;
  });
}

/** `kmodforge images`: the builder images the container executor compiles in. */
export function registerImages(program: Command): void {
  const images = program
    .command("images")
    .description("Builder images for the container executor (one per distribution version and compiler).");
  images
    .command("prepare")
    .description(
      "Build (or reuse) the builder images of the selected targets, tagged by a digest of Dockerfile, arguments and base image. " +
        "Base images are pulled; where no registry is reachable, Debian bases are made with debootstrap from this host's apt mirror " +
        "and imported under the name the Dockerfile uses. Builds do this on first use by themselves; run it ahead to warm a machine.",
    )
    .option("--distro <name>", "only this distribution (repeatable)", collect)
    .option("--distro-version <version>", "only this version (repeatable)", collect)
    .option("--targets <dir>", "targets policy directory (default: the repository's targets/)")
    .option("--json", "print the prepared images as JSON")
    .action(async (opts) => {
      const log = progress(true);
      const wanted = plannedImages(
        await loadTargets(opts.targets),
        distrosOf(opts.distro ?? []),
        opts.distroVersion ?? [],
      );
      const prepared = [];
      for (const { distro, version, plan } of wanted) {
        log(
          `${distro} ${version}: ${plan.dockerfile} gcc ${plan.compiler.major}${plan.buildArgs.CROSS === "1" ? " + aarch64 cross" : ""}`,
        );
        const tag = await ensureBuilderImage(distro, plan, {
          repoRoot: repoRoot(),
          cacheDir: defaultCacheRoot(),
          log,
        });
        prepared.push({ distro, version, compiler: plan.compiler, buildArgs: plan.buildArgs, image: tag });
      }
      printResult(
        opts.json,
        { images: prepared },
        prepared.map((p) => `${p.distro} ${p.version} gcc-${p.compiler.major}: ${p.image}`).join("\n"),
      );
    });
}
