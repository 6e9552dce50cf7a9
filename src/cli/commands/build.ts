import type { Command } from "commander";
import { InvalidInputError } from "../../core/errors.js";
import { buildLocal } from "../../executors/local.js";
import { openPublisher, publishOption, publishSignKeyOption } from "./publish-step.js";
import { storeOptions } from "./store-options.js";
import { progress } from "./sweep-common.js";

/** `kmodforge build`: one kernel identity → a verified, packaged module. */
export function registerBuild(program: Command): void {
  const command = program
    .command("build")
    .description(
      "Build the module for one kernel: resolve → fetch → extract → compile → verify → package. Writes <out>/<artifact>/ with the .ko.xz, metadata.json, SHA256SUMS and build.log.",
    )
    .requiredOption("--kernel <release>", "kernel release as uname -r prints it, e.g. 6.1.0-18-amd64")
    .requiredOption(
      "--distro <name>",
      "distribution: ubuntu, debian, fedora, centos, almalinux, rocky, amazonlinux",
    )
    .requiredOption("--distro-version <version>", "distribution version, e.g. 12, 22.04, 9, 2023")
    .requiredOption("--arch <arch>", "x86_64 or aarch64 (amd64 and arm64 accepted)")
    .option(
      "--driver-version <version>",
      "version recorded in the artifact name (default: the module's MODULE_VERSION)",
    )
    .option("--source <dir>", "module source directory (default: the sample module in kernel-module/)")
    .option("--out <dir>", "output directory", "out")
    .option("--executor <kind>", "where to build: local (this host)", "local")
    .option("--targets <dir>", "targets policy directory (default: the repository's targets/)")
    .option(
      "--cache-dir <dir>",
      "package, header tree and apt cache (default: $KMODFORGE_CACHE or ~/.cache/kmodforge)",
    )
    .option(
      "--toolchain-root <dir>",
      "a root filesystem of the kernel's own suite to compile in (chroot), when this host lacks its compiler",
    )
    .option(
      "--allow-compiler-mismatch",
      "build even when the compiler's major version differs from the kernel's",
    )
    .option("--sign-key <file>", "private key for sign-file (signs before compression)")
    .option("--sign-cert <file>", "X.509 certificate matching --sign-key")
    .option("--json", "print the result as JSON")
    .addOption(publishOption("none"))
    .addOption(publishSignKeyOption())
    .action(async (opts) => {
      if (opts.executor !== "local") {
        throw new InvalidInputError([
          {
            field: "executor",
            given: String(opts.executor),
            expected: "local",
            message: `executor: ${JSON.stringify(opts.executor)} is not available from the CLI; expected local (use \`dagger call build\` for containers)`,
          },
        ]);
      }
      if (Boolean(opts.signKey) !== Boolean(opts.signCert)) {
        throw new InvalidInputError([
          {
            field: "sign-cert",
            given: "",
            expected: "--sign-key and --sign-cert together",
            message: "--sign-key and --sign-cert go together",
          },
        ]);
      }
      const result = await buildLocal({
        kernelRelease: opts.kernel,
        distro: opts.distro,
        distroVersion: opts.distroVersion,
        arch: opts.arch,
        ...(opts.driverVersion ? { driverVersion: opts.driverVersion } : {}),
        ...(opts.source ? { moduleDir: opts.source } : {}),
        outDir: opts.out,
        ...(opts.targets ? { targetsDir: opts.targets } : {}),
        ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
        ...(opts.toolchainRoot ? { toolchainRoot: opts.toolchainRoot } : {}),
        ...(opts.allowCompilerMismatch ? { allowCompilerMismatch: true } : {}),
        ...(opts.signKey ? { signKey: opts.signKey, signCert: opts.signCert } : {}),
        onStep: opts.json ? undefined : (step, ms) => process.stderr.write(`  ${step.padEnd(8)} ${ms} ms\n`),
      });
      const publish = await publishBuilt(opts, result.artifactDir);
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...result, ...publish }, null, 2)}\n`);
      else {
        process.stdout.write(`built ${result.artifact}\n`);
        for (const c of result.checks) process.stdout.write(`  ✓ ${c.check}: ${c.actual}\n`);
        for (const i of publish.published?.indexes ?? []) process.stdout.write(`published: ${i.url}\n`);
      }
    });
  for (const option of storeOptions()) command.addOption(option);
}

/** `--publish <store>`: the thin step after a successful build (a refused publish exits 12). */
async function publishBuilt(opts: Parameters<typeof openPublisher>[0], dir: string) {
  const publisher = await openPublisher(opts, "none", progress(true));
  if (!publisher) return {};
  try {
    return { published: await publisher.publish(dir) };
  } finally {
    publisher.close();
  }
}
