import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type Command, Option } from "commander";
import { defaultCacheRoot } from "../../adapters/cache-dir.js";
import { loadTargets } from "../../adapters/targets-fs.js";
import { ARCHES, type Arch } from "../../core/arch.js";
import { parseHeadersRecord } from "../../core/build/headers-record.js";
import { KmodforgeError } from "../../core/errors.js";
import { resolvedHeadersSchema } from "../../core/headers/types.js";
import { parseIdentity } from "../../core/identity.js";
import { findTarget } from "../../core/targets.js";
import { parseJsonWith } from "../../core/validate.js";
import { hostArch } from "../../executors/build.js";
import { prepareHeaders } from "../../executors/prepare-headers.js";
import { seal } from "../../executors/seal.js";

/**
 * The TypeScript steps of a build as commands, for runners whose steps run in separate containers (Dagger):
 * `headers` before the builder steps, `seal` after them. `kmodforge build` runs the very same functions in-process.
 */
export function registerSteps(program: Command): void {
  registerHeaders(program);
  registerSeal(program);
}

const archOption = (flag: string, what: string) => new Option(flag, what).choices([...ARCHES]);

function registerHeaders(program: Command): void {
  program
    .command("headers")
    .description(
      "Build step: resolve (or take --plan), download verified, and extract one kernel's header packages into --out; write the headers record (provenance and tree location) to --record for the later steps.",
    )
    .requiredOption("--kernel <release>", "kernel release as uname -r prints it")
    .requiredOption("--distro <name>", "distribution")
    .requiredOption("--distro-version <version>", "distribution version")
    .requiredOption("--arch <arch>", "x86_64 or aarch64 (amd64 and arm64 accepted)")
    .addOption(
      archOption("--builder-arch <arch>", "arch the builder's programs run as (default: this machine's)"),
    )
    .option("--plan <file>", "a resolution from `kmodforge resolve --json` to use instead of resolving")
    .requiredOption("--out <dir>", "directory to extract the header packages into")
    .requiredOption("--record <file>", "where to write the headers record (JSON)")
    .option("--targets <dir>", "targets policy directory (default: the repository's targets/)")
    .option("--cache-dir <dir>", "package and apt cache (default: the kmodforge cache directory)")
    .action(async (opts) => {
      const id = parseIdentity({
        kernelRelease: opts.kernel,
        distro: opts.distro,
        distroVersion: opts.distroVersion,
        arch: opts.arch,
      });
      if (!id.ok) throw id.error;
      let resolved: Awaited<ReturnType<typeof readPlan>> | undefined;
      if (opts.plan) resolved = await readPlan(opts.plan);
      const prepared = await prepareHeaders(id.value, {
        cacheDir: opts.cacheDir ?? defaultCacheRoot(),
        hostArch: (opts.builderArch as Arch | undefined) ?? hostArch(),
        treeDir: resolve(opts.out),
        ...(opts.targets ? { targetsDir: opts.targets } : {}),
        ...(resolved ? { resolved } : {}),
      });
      await mkdir(dirname(resolve(opts.record)), { recursive: true });
      await writeFile(opts.record, `${JSON.stringify(prepared.record, null, 2)}\n`);
      process.stdout.write(`headers for ${id.value.kernelRelease}: ${prepared.tree.buildDir}\n`);
    });
}

async function readPlan(path: string) {
  const plan = parseJsonWith(resolvedHeadersSchema, await readFile(path, "utf8"), `--plan ${path}`);
  if (!plan.ok) throw new KmodforgeError("INVALID_INPUT", plan.message);
  return plan.value;
}

function registerSeal(program: Command): void {
  program
    .command("seal")
    .description(
      "Build step: run the verify gate on every module a compile produced, then name them and write the artifact directory (modules, metadata.json, SHA256SUMS, build.log) under --out. Nothing is written when a module fails the gate.",
    )
    .requiredOption("--record <file>", "the headers record the headers step wrote")
    .requiredOption("--work <dir>", "the compile and package steps' work directory")
    .requiredOption("--source <dir>", "the module source tree that was built")
    .requiredOption("--out <dir>", "where to create the artifact directory")
    .option("--driver-version <version>", "version recorded in the artifact names")
    .addOption(
      new Option("--runner <runner>", "what ran the builder steps")
        .choices(["host", "container", "dagger"])
        .default("host"),
    )
    .option("--image <ref>", "the builder image the steps ran in")
    .addOption(
      new Option("--mode <mode>", "build mode").choices(["native", "cross", "emulated"]).default("native"),
    )
    .option("--sign-cert <file>", "certificate the modules' signatures must verify against (signed builds)")
    .option("--started-at <iso>", "when the build started (default: now)")
    .option("--targets <dir>", "targets policy directory (default: the repository's targets/)")
    .option("--json", "print the metadata as JSON")
    .action(async (opts) => {
      const record = parseHeadersRecord(await readFile(opts.record, "utf8"), opts.record);
      if (!record.ok) throw new KmodforgeError("INVALID_INPUT", record.message);
      const { identity } = record.value;
      const target = findTarget(await loadTargets(opts.targets), identity.distro, identity.distroVersion);
      if (!target)
        throw new KmodforgeError(
          "UNSUPPORTED_TARGET",
          `${identity.distro} ${identity.distroVersion} is not in the targets policy`,
        );
      const sealed = await seal({
        record: record.value,
        work: resolve(opts.work),
        source: resolve(opts.source),
        outDir: resolve(opts.out),
        target,
        builder: { runner: opts.runner, ...(opts.image ? { image: opts.image } : {}), mode: opts.mode },
        ...(opts.driverVersion ? { driverVersion: opts.driverVersion } : {}),
        ...(opts.signCert ? { signCert: opts.signCert } : {}),
        startedAt: opts.startedAt ?? new Date().toISOString(),
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(sealed.metadata, null, 2)}\n`);
      else process.stdout.write(`sealed ${sealed.artifactDir}\n`);
    });
}
